package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.str;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Proc;
import org.qmailj.testing.Cmd;

/**
 * The programs as separate processes: {@code echo to: root | qmail-inject} through a
 * bin/qmail-queue process writing directly (no daemon), then {@code sendmail -t} through the
 * qmail-queued socket (no bin/qmail-queue process at all); both give FORMATS.md's files.
 */
class InjectEndToEndTest {
    @TempDir Path dir;

    static final String RECEIVED = "Received: \\(qmail \\d+ invoked by uid " + Proc.getuid()
            + "\\); \\d+ [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d -0000\n";
    static final String STAMPS = "Date: \\d+ [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d -0000\n"
            + "Message-ID: <\\d{14}\\.\\d+\\.qmail@mx\\.example\\.com>\n";

    @Test
    void echoToRootThroughBinQmailQueueThenSendmailThroughTheDaemon() throws Exception {
        TestHome t = TestHome.sandbox(dir.resolve("home"));
        t.control("me", "mx.example.com\n");
        String cp = System.getProperty("java.class.path");
        Path marker = dir.resolve("qmail-queue-ran");
        Path qq = t.home.bin().resolve("qmail-queue");
        Files.writeString(qq, "#!/bin/sh\necho >>" + marker + "\nexec " + String.join(" ",
                Jvm.command(cp, t.home.root(), null, "org.qmailj.queue.QmailQueue").stream().map(a -> "'" + a + "'").toList()) + "\n");
        qq.toFile().setExecutable(true);
        Map<String, String> env = new HashMap<>(Map.of("USER", "root", "PATH", System.getenv("PATH")));

        List<String> inject = new ArrayList<>(List.of("sh", "-c", "echo to: root | exec \"$@\"", "sh"));
        inject.addAll(Jvm.command(cp, t.home.root(), null, "org.qmailj.queue.QmailInject"));
        Cmd.Result r = Cmd.run(inject, env, null, new byte[0], 60);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(marker).exists();
        long n = t.todo().getFirst();
        assertThat(str(t.mess(n))).matches(RECEIVED + STAMPS + "From: root@mx\\.example\\.com\nto: root@mx\\.example\\.com\n\n");
        assertThat(str(Files.readAllBytes(t.queue.todo(n))))
                .matches("u" + Proc.getuid() + "\0p\\d+\0Froot@mx\\.example\\.com\0Troot@mx\\.example\\.com\0");
        assertThat(Files.getAttribute(t.queue.mess(n), "unix:ino")).isEqualTo(n);
        Files.delete(marker);

        Process d = WriterDaemonTest.startDaemon(cp, t);
        try {
            List<String> sendmail = new ArrayList<>(Jvm.command(cp, t.home.root(), null, "org.qmailj.queue.Sendmail", "-t"));
            r = Cmd.run(sendmail, env, null, "To: root\nSubject: hi\n\nbody\n".getBytes(), 60);
            assertThat(r.exit()).as(r.toString()).isZero();
        } finally {
            d.destroy();
            d.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(marker).doesNotExist();
        assertThat(t.todo()).hasSize(2);
        long m = t.todo().stream().filter(x -> x != n).findFirst().orElseThrow();
        assertThat(str(t.mess(m))).matches(RECEIVED + STAMPS
                + "From: root@mx\\.example\\.com\nTo: root@mx\\.example\\.com\nSubject: hi\n\nbody\n");
        assertThat(t.files("pid")).isEmpty();
    }
}
