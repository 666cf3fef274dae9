package org.qmailj.clean;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.testing.Cmd;

class QmailCleanTest {
    @TempDir Path home;
    QueueLayout q;

    @BeforeEach
    void queue() throws IOException {
        q = new QueueLayout(home.resolve("queue"));
        for (QueueLayout.Dir d : QueueLayout.DIRS) {
            Files.createDirectories(q.dir(d.name()));
            if (d.split()) for (int i = 0; i < QueueLayout.SPLIT; i++) Files.createDirectories(q.dir(d.name()).resolve("" + i));
        }
    }

    private static byte[] b(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }

    private Cmd.Result runReal(String input) throws IOException {
        return runReal(List.of(), input);
    }

    private Cmd.Result runReal(List<String> wrapper, String input) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(wrapper);
        cmd.addAll(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "org.qmailj.clean.QmailClean"));
        return Cmd.run(cmd, Map.of("QMAIL_HOME", home.toString()), null, b(input), 60);
    }

    /**
     * Without a pool (queue/pool cannot be made), each queue name costs one unlink(2) and nothing else (no stat first), and intd/N is not
     * unlinked again at foop/N when this process removed it with todo/N (a foop without a todo
     * before, as the 36-hour cleanup sends, unlinks it): strace shows every file call naming
     * the queue's intd/, todo/ and mess/.
     */
    @Test
    void eachNameIsOneUnlinkWithoutAStat() throws IOException {
        Files.write(q.dir("pool"), b("")); // no pool: a file where its directory would be
        Files.write(q.mess(461), b("m"));
        Files.write(q.intd(461), b("i"));
        Files.write(q.todo(461), b("t"));
        Files.write(q.mess(463), b("m"));
        Files.write(q.intd(463), b("i"));
        Path trace = home.resolve("trace");
        Cmd.Result r = runReal(List.of("strace", "-f", "-qq", "-o", trace.toString(), "-e", "trace=%file"),
                "todo/461\0foop/461\0foop/463\0");
        assertThat(r.out()).isEqualTo("+++");
        List<String> calls = Files.readAllLines(trace, StandardCharsets.ISO_8859_1).stream()
                .filter(l -> l.contains("/queue/intd/") || l.contains("/queue/todo/") || l.contains("/queue/mess/"))
                .map(l -> l.replaceFirst("^[0-9]+ +", "").replace(q.root().toString(), "Q")).toList();
        assertThat(calls).containsExactly(
                "unlink(\"Q/intd/461\") = 0",
                "unlink(\"Q/todo/461\") = 0",
                "unlink(\"Q/mess/" + QueueLayout.split(461) + "/461\") = 0",
                "unlink(\"Q/intd/463\") = 0",
                "unlink(\"Q/mess/" + QueueLayout.split(463) + "/463\") = 0");
        assertThat(q.mess(461)).doesNotExist();
        assertThat(q.intd(463)).doesNotExist();
        assertThat(q.mess(463)).doesNotExist();
    }

    /**
     * With queue/pool (made at start, mode 0700): the last name of a finished message's
     * envelope (todo/N, once intd/N is unlinked) and of its message file go there as
     * T.N.e and T.N.m, the same inodes, for the queue writer to write again; a message file
     * over 16 KiB is unlinked (the pool would hold its blocks), as is todo/N when intd/N could
     * not be unlinked (the inode keeps a queue name).
     */
    @Test
    void finishedFilesGoToThePool() throws IOException {
        Files.write(q.mess(461), b("m"));
        Files.write(q.intd(461), b("i"));
        Files.createLink(q.todo(461), q.intd(461));
        Files.write(q.mess(470), new byte[20_000]);
        Files.createDirectories(q.intd(471).resolve("x"));
        Files.write(q.todo(471), b("t"));
        long messIno = (Long) Files.getAttribute(q.mess(461), "unix:ino");
        long envIno = (Long) Files.getAttribute(q.todo(461), "unix:ino");
        long before = System.currentTimeMillis() / 1000;
        assertThat(runReal("todo/461\0foop/461\0foop/470\0todo/471\0").out()).isEqualTo("+++!");
        long after = System.currentTimeMillis() / 1000;
        Path pool = q.dir("pool");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pool))).isEqualTo("rwx------");
        List<String> names;
        try (var s = Files.list(pool)) {
            names = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(names).hasSize(2);
        for (String n : names) {
            long t = Long.parseLong(n.substring(0, n.indexOf('.')));
            assertThat(t).isBetween(before, after);
            Path p = pool.resolve(n);
            if (n.endsWith(".461.e")) {
                assertThat(Files.getAttribute(p, "unix:ino")).isEqualTo(envIno);
                assertThat(Files.getAttribute(p, "unix:nlink")).isEqualTo(1);
            } else {
                assertThat(n).endsWith(".461.m");
                assertThat(Files.getAttribute(p, "unix:ino")).isEqualTo(messIno);
                assertThat(Files.readString(p)).isEqualTo("m");
            }
        }
        assertThat(q.mess(461)).doesNotExist();
        assertThat(q.todo(461)).doesNotExist();
        assertThat(q.intd(461)).doesNotExist();
        assertThat(q.mess(470)).doesNotExist();
        assertThat(q.todo(471)).doesNotExist();
    }

    /**
     * The hourly scan unlinks pool files past their hour (a queue gone quiet would keep them:
     * qmail-queued drops them only when it lists the pool for a new message) and leaves
     * younger ones and names that are not the pool's.
     */
    @Test
    void theHourlyScanEmptiesThePoolOfOldFiles() throws IOException {
        long now = System.currentTimeMillis() / 1000;
        QmailClean clean = new QmailClean(q);
        Files.write(q.pool(now - 3601, 5, 'm'), b("old"));
        Files.write(q.pool(now - 3601, 5, 'e'), b("old"));
        Files.write(q.pool(now - 3599, 6, 'm'), b("young"));
        Files.write(q.dir("pool").resolve("other"), b("?"));
        clean.cleanPool(now);
        try (var s = Files.list(q.dir("pool"))) {
            assertThat(s.map(p -> p.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder((now - 3599) + ".6.m", "other");
        }
    }

    /** A todo/N that failed (intd/N would not go) does not spare foop/N its unlink of intd/N. */
    @Test
    void afterAFailedTodoFoopStillRemovesIntd() throws IOException {
        Files.createDirectories(q.intd(464).resolve("x"));
        Files.write(q.todo(464), b("t"));
        Files.write(q.mess(464), b("m"));
        assertThat(runReal("todo/464\0foop/464\0").out()).isEqualTo("!!");
        assertThat(q.todo(464)).doesNotExist();
        assertThat(q.mess(464)).doesNotExist();
        assertThat(q.intd(464)).isDirectory();
    }

    @Test
    void realProcessRemovesFilesAndAnswersOneBytePerCommand() throws IOException {
        Files.write(q.mess(457), b("m"));
        Files.write(q.intd(457), b("i"));
        Files.write(q.todo(458), b("t"));
        Files.write(q.intd(458), b("i"));
        Files.write(q.mess(458), b("m"));
        Cmd.Result r = runReal("foop/457\0todo/458\0foop/999\0bogus/1\0foop/\0foop/12x\0todo/-1\0");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("+++xxxx");
        assertThat(r.stderr()).isEmpty();
        assertThat(q.mess(457)).doesNotExist();
        assertThat(q.intd(457)).doesNotExist();
        assertThat(q.todo(458)).doesNotExist();
        assertThat(q.intd(458)).doesNotExist();
        assertThat(q.mess(458)).exists();
    }

    @Test
    void unlinkFailureIsBang() throws IOException {
        // A non-empty directory where mess/S/N should be cannot be unlinked.
        Files.createDirectories(q.mess(460).resolve("x"));
        assertThat(runReal("foop/460\0").out()).isEqualTo("!");
        // An empty one too: unlink(2), as qmail-clean.c, does not remove directories.
        Files.createDirectories(q.mess(462));
        assertThat(runReal("foop/462\0").out()).isEqualTo("!");
        assertThat(q.mess(462)).isDirectory();
    }

    @Test
    void overlongCommandGetsExactlyOneX() throws IOException {
        String junk = "foop/" + "1".repeat(300);
        assertThat(runReal(junk + "\0foop/5\0").out()).isEqualTo("x+");
    }

    @Test
    void oneByteAtATimeInput() throws IOException {
        Files.write(q.mess(23), b("m"));
        InputStream slow = new FilterInputStream(new ByteArrayInputStream(b("foop/23\0nope\0"))) {
            @Override public int read(byte[] buf, int off, int len) throws IOException {
                return super.read(buf, off, Math.min(1, len));
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new QmailClean(q).serve(slow, out);
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("+x");
        assertThat(q.mess(23)).doesNotExist();
    }

    @Test
    void stalePidFilesGoFreshOnesStay() throws IOException {
        Path old = q.pidDir().resolve("123.456.1");
        Path fresh = q.pidDir().resolve("124.456.1");
        Files.write(old, b(""));
        Files.write(fresh, b(""));
        long now = System.currentTimeMillis() / 1000;
        Files.setLastModifiedTime(old, FileTime.fromMillis((now - 37 * 3600) * 1000));
        Files.setLastModifiedTime(fresh, FileTime.fromMillis((now - 35 * 3600) * 1000));
        runReal("");
        assertThat(old).doesNotExist();
        assertThat(fresh).exists();
    }

    @Test
    void codecRoundTrip() {
        CleanRequest r = new CleanRequest(CleanRequest.Kind.FOOP, 457);
        byte[] e = r.encode();
        assertThat(new String(e, StandardCharsets.ISO_8859_1)).isEqualTo("foop/457\0");
        assertThat(CleanRequest.parse(e, e.length - 1)).isEqualTo(r);
        assertThat(CleanReply.of('+')).isEqualTo(CleanReply.DONE);
        assertThat(CleanReply.of('!')).isEqualTo(CleanReply.FAILED);
        assertThat(CleanReply.of('?')).isEqualTo(CleanReply.BAD);
    }
}
