package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.str;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * qmail-queued as a real child JVM started by root: it becomes qmailq (here nobody), and the
 * Received line and u record carry the uid the kernel reports for each caller (SO_PEERCRED),
 * whatever the caller claims. Without the daemon, a caller that does not own the queue gets
 * exit 56 and a message on stderr.
 */
@RootOnly
class WriterDaemonTest {
    @TempDir Path dir;

    static final int NOBODY = 65534;
    static final int DAEMON = 1;

    TestHome home() throws IOException {
        return systemHome(dir);
    }

    /** A home under {@code dir} whose queue belongs to nobody (qmailq), with qmaild = daemon (uid 1). */
    static TestHome systemHome(Path dir) throws IOException {
        Jvm.openPath(dir);
        // qmailq = nobody; qmaild = daemon (uid 1).
        TestHome t = TestHome.create(dir.resolve("home"), "alias:7790:7790\nqmaild:1:1\nqmaill:7792:0\nroot:0:0\n"
                + "qmailp:7793:0\nqmailq:" + NOBODY + ":" + NOBODY + "\nqmailr:7795:0\nqmails:7796:0\nnofiles:0\nqmail:" + NOBODY + "\n");
        try (Stream<Path> s = Files.walk(t.queue.root())) {
            for (Path p : s.toList()) Files.setAttribute(p, "unix:uid", NOBODY, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
        Jvm.openPath(t.home.root().resolve("lib"));
        t.home.root().resolve("lib/ids").toFile().setReadable(true, false);
        return t;
    }

    static Process startDaemon(String cp, TestHome t) throws Exception {
        return startDaemon(cp, t, java.util.Map.of(), List.of("-XX:TieredStopAtLevel=1"), ProcessBuilder.Redirect.DISCARD);
    }

    /** qmail-queued with extra environment and JVM options, its stderr to {@code err}; returns once it answers. */
    static Process startDaemon(String cp, TestHome t, Map<String, String> env, List<String> jvm, ProcessBuilder.Redirect err)
            throws Exception {
        ProcessBuilder pb = org.qmailj.testing.DefaultSignals.builder(Jvm.command(cp, t.home.root(), null, jvm, "org.qmailj.queue.QmailQueued"))
                .redirectError(err).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        Process p = pb.start();
        SocketQueueClient c = new SocketQueueClient(WriterProtocol.socket(t.queue));
        for (int i = 0; i < 300 && !c.answers(); i++) {
            if (!p.isAlive()) throw new AssertionError("qmail-queued exited " + p.exitValue());
            Thread.sleep(20);
        }
        assertThat(c.answers()).isTrue();
        return p;
    }

    /** Runs bin/qmail-queue (the class) as uid with message and envelope files on fds 0 and 1. */
    static Cmd.Result inject(String cp, TestHome t, Integer uid, String message, String envelope) throws IOException {
        Path m = Files.createTempFile(t.home.root(), "m", "");
        Path e = Files.createTempFile(t.home.root(), "e", "");
        Files.writeString(m, message, java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.writeString(e, envelope, java.nio.charset.StandardCharsets.ISO_8859_1);
        m.toFile().setReadable(true, false);
        e.toFile().setReadable(true, false);
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "exec \"$@\" <" + m + " 1<" + e, "sh"));
        cmd.addAll(Jvm.command(cp, t.home.root(), uid, "org.qmailj.queue.QmailQueue"));
        return Cmd.run(cmd, Map.of(), null, new byte[0], 60);
    }

    @Test
    void peerUidComesFromTheKernel() throws Exception {
        TestHome t = home();
        String cp = Jvm.publicClasspath(dir.resolve("cp"));
        Process d = startDaemon(cp, t);
        try {
            // The daemon runs as qmailq (nobody), and its socket is 0666.
            assertThat(Files.getAttribute(WriterProtocol.socket(t.queue), "unix:uid")).isEqualTo(NOBODY);
            String status = Files.readString(Path.of("/proc/" + d.pid() + "/status"));
            assertThat(status).containsPattern("\nUid:\\s+65534\\s+65534\\s+65534\\s+65534\n");
            assertThat(status).containsPattern("\nGid:\\s+65534\\s+65534\\s+65534\\s+65534\n");
            assertThat(status).containsPattern("\nGroups:\\s+65534\\s*\n");
            assertThat(inject(cp, t, DAEMON, "from daemon\n", "Fd@x\0Tr@y\0\0").exit()).isZero();
            assertThat(inject(cp, t, 4321, "from 4321\n", "Fn@x\0Tr@y\0\0").exit()).isZero();
            assertThat(inject(cp, t, null, "from root\n", "Fr@x\0Tr@y\0\0").exit()).isZero();
            List<Long> todo = t.todo();
            assertThat(todo).hasSize(3);
            List<String> seen = new ArrayList<>();
            for (long n : todo) {
                String rec = str(Files.readAllBytes(t.queue.todo(n)));
                String mess = str(t.mess(n));
                if (rec.contains("Fd@x")) {
                    assertThat(rec).startsWith("u1\0");
                    assertThat(mess).contains("invoked from network").endsWith("from daemon\n");
                } else if (rec.contains("Fn@x")) {
                    assertThat(rec).startsWith("u4321\0");
                    assertThat(mess).contains("invoked by uid 4321").endsWith("from 4321\n");
                } else {
                    assertThat(rec).startsWith("u0\0");
                    assertThat(mess).contains("invoked by uid 0").endsWith("from root\n");
                }
                seen.add(rec.substring(0, rec.indexOf('\0')));
                assertThat(Files.getAttribute(t.queue.mess(n), "unix:uid")).isEqualTo(NOBODY);
            }
            assertThat(seen).containsExactlyInAnyOrder("u1", "u4321", "u0");
        } finally {
            d.destroy();
            d.waitFor(10, TimeUnit.SECONDS);
        }
        // Without the daemon: uid 1 does not own the queue.
        Cmd.Result r = inject(cp, t, DAEMON, "x\n", "Fa\0Tb\0\0");
        assertThat(r.exit()).isEqualTo(56);
        assertThat(r.err()).contains("qmail-queue: the queue writer is not running").contains("start qmail-queued");
        assertThat(t.todo()).hasSize(3);
        assertThat(t.files("pid", "intd")).hasSize(3);
        // nobody is qmailq here: it may write directly.
        assertThat(inject(cp, t, NOBODY, "direct\n", "Fa\0Tb\0\0").exit()).isZero();
        assertThat(t.todo()).hasSize(4);
    }
}
