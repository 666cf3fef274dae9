package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.spawn.SpawnCheck;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * bin/qmail-queue run by root with no writer daemon writes the queue itself, and first takes
 * qmailq's uid, as C qmail-queue is setuid qmailq (mode 4711, not setgid): mess/S/N, intd/N and
 * todo/N belong to qmailq with root's gid and mode 0644, exactly as there, and qmail-lspawn's
 * and qmail-rspawn's check (SpawnCheck) accepts the message instead of deferring it with
 * "message has wrong owner". The envelope records the caller's uid (0) and the qp (this
 * qmail-queue's pid, the number in its Received line). The same through qmail-inject as root,
 * which runs bin/qmail-queue.
 */
@RootOnly
class DirectWriteRootTest {
    @TempDir Path dir;

    /** A home whose queue belongs to qmailq (nobody), as in a system install. */
    private TestHome home() throws Exception {
        return WriterDaemonTest.systemHome(dir);
    }

    private static void assertQueuedAsSetuidQmailq(TestHome t, long n) throws Exception {
        QueueLayout q = t.queue;
        for (Path p : List.of(q.todo(n), q.mess(n), q.intd(n))) {
            assertThat(Files.getAttribute(p, "unix:uid")).as(p.toString()).isEqualTo(WriterDaemonTest.NOBODY);
            assertThat(Files.getAttribute(p, "unix:gid")).as(p.toString()).isEqualTo(0);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString()).isEqualTo("rw-r--r--");
        }
        String todo = new String(Files.readAllBytes(q.todo(n)), StandardCharsets.ISO_8859_1);
        assertThat(todo).matches("u0\0p\\d+\0F.*");
        String qp = todo.substring(4, todo.indexOf('\0', 4));
        assertThat(new String(t.mess(n), StandardCharsets.ISO_8859_1)).startsWith("Received: (qmail " + qp + " invoked by uid 0); ");
        try (SpawnCheck check = SpawnCheck.forQueue(t.home)) {
            assertThat(check.uidq()).isEqualTo(WriterDaemonTest.NOBODY);
            SpawnCheck.Outcome o = check.open((n % QueueLayout.SPLIT) + "/" + n);
            assertThat(o).isInstanceOf(SpawnCheck.Message.class);
            ((SpawnCheck.Message) o).close();
        }
    }

    @Test
    void rootWritingTheQueueItselfMakesQmailqsFiles() throws Exception {
        TestHome t = home();
        String cp = Jvm.publicClasspath(dir.resolve("cp"));

        Cmd.Result r = WriterDaemonTest.inject(cp, t, null, "direct from root\n", "Fr@x\0Tr@y\0\0");

        assertThat(r.exit()).as(r.toString()).isZero();
        List<Long> todo = t.todo();
        assertThat(todo).hasSize(1);
        assertQueuedAsSetuidQmailq(t, todo.getFirst());
    }

    /**
     * Under the caller's umask 000 the direct path's files are still 0644 (C qmail-queue's
     * umask 033 is now set on that path only, no longer first in main).
     */
    @Test
    void aCallersUmask000StillMakes0644Files() throws Exception {
        TestHome t = home();
        String cp = Jvm.publicClasspath(dir.resolve("cp"));
        Path m = Files.createTempFile(t.home.root(), "m", "");
        Path e = Files.createTempFile(t.home.root(), "e", "");
        Files.writeString(m, "umask 000\n", StandardCharsets.ISO_8859_1);
        Files.writeString(e, "Fr@x\0Tr@y\0\0", StandardCharsets.ISO_8859_1);
        List<String> cmd = new java.util.ArrayList<>(List.of("sh", "-c", "umask 000; exec \"$@\" <" + m + " 1<" + e, "sh"));
        cmd.addAll(Jvm.command(cp, t.home.root(), null, "org.qmailj.queue.QmailQueue"));
        Cmd.Result r = Cmd.run(cmd, Map.of(), null, new byte[0], 60);

        assertThat(r.exit()).as(r.toString()).isZero();
        List<Long> todo = t.todo();
        assertThat(todo).hasSize(1);
        assertQueuedAsSetuidQmailq(t, todo.getFirst());
    }

    @Test
    void qmailInjectAsRootQueuesQmailqsFiles() throws Exception {
        TestHome t = home();
        t.control("me", "mx.example.com\n");
        String cp = Jvm.publicClasspath(dir.resolve("cp"));
        Path qq = t.home.root().resolve("bin/qmail-queue");
        Files.writeString(qq, "#!/bin/sh\nexec " + String.join(" ", Jvm.command(cp, t.home.root(), null, "org.qmailj.queue.QmailQueue")) + "\n");
        qq.toFile().setExecutable(true, false);

        List<String> cmd = Jvm.command(cp, t.home.root(), null, "org.qmailj.queue.QmailInject", "you@example.com");
        Cmd.Result r = Cmd.run(cmd, Map.of(), null,
                "Subject: from root\n\nbody\n".getBytes(StandardCharsets.ISO_8859_1), 60);

        assertThat(r.exit()).as(r.toString()).isZero();
        List<Long> todo = t.todo();
        assertThat(todo).hasSize(1);
        assertQueuedAsSetuidQmailq(t, todo.getFirst());
    }
}
