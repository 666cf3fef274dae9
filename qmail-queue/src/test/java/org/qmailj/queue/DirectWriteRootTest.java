package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * bin/qmail-queue run by root with no writer daemon writes the queue itself, and first becomes
 * qmailq through Privileges.become, as C qmail-queue is setuid qmailq: the files it leaves
 * belong to qmailq, not root, and the envelope still records the caller's uid (0).
 */
@RootOnly
class DirectWriteRootTest {
    @TempDir Path dir;

    @Test
    void rootWritingTheQueueItselfBecomesQmailq() throws Exception {
        // The queue belongs to qmailq (nobody), as in a system install.
        Jvm.openPath(dir);
        int nobody = WriterDaemonTest.NOBODY;
        TestHome t = TestHome.create(dir.resolve("home"), "alias:7790:7790\nqmaild:1:1\nqmaill:7792:0\nroot:0:0\n"
                + "qmailp:7793:0\nqmailq:" + nobody + ":" + nobody + "\nqmailr:7795:0\nqmails:7796:0\nnofiles:0\nqmail:" + nobody + "\n");
        try (java.util.stream.Stream<Path> s = Files.walk(t.queue.root())) {
            for (Path p : s.toList()) Files.setAttribute(p, "unix:uid", nobody, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
        Jvm.openPath(t.home.root().resolve("lib"));
        t.home.root().resolve("lib/ids").toFile().setReadable(true, false);
        String cp = Jvm.publicClasspath(dir.resolve("cp"));

        Cmd.Result r = WriterDaemonTest.inject(cp, t, null, "direct from root\n", "Fr@x\0Tr@y\0\0");

        assertThat(r.exit()).as(r.toString()).isZero();
        List<Long> todo = t.todo();
        assertThat(todo).hasSize(1);
        long n = todo.getFirst();
        for (Path p : List.of(t.queue.todo(n), t.queue.mess(n), t.queue.intd(n))) {
            assertThat(Files.getAttribute(p, "unix:uid")).as(p.toString()).isEqualTo(WriterDaemonTest.NOBODY);
            assertThat(Files.getAttribute(p, "unix:gid")).as(p.toString()).isEqualTo(WriterDaemonTest.NOBODY);
        }
        assertThat(new String(Files.readAllBytes(t.queue.todo(n)), java.nio.charset.StandardCharsets.ISO_8859_1)).startsWith("u0\0");
    }
}
