package org.qmailj.splogger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Proc;

/** multilog's TERM (finish the line, then exit) and ALRM (rotate now). */
class MultilogSignalTest {
    @TempDir
    Path tmp;

    private Process start(String... script) throws Exception {
        Process p = new ProcessBuilder(Tools.multilog(true, script)).directory(tmp.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long end = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(tmp.resolve("log/current")) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        // multilog installs its handlers before it opens the directories
        return p;
    }

    private String current() throws Exception {
        return Files.readString(tmp.resolve("log/current"), StandardCharsets.US_ASCII);
    }

    /** multilog has read and written what the test sent (it flushes after every read). */
    private void awaitCurrent(String content) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        while (!current().startsWith(content)) {
            if (System.nanoTime() > end) throw new AssertionError("current is " + current() + ", not " + content);
            Thread.sleep(20);
        }
    }

    @Test
    void termWhileIdleExitsAtOnceAndMarksCurrentComplete() throws Exception {
        Process p = start("./log");
        OutputStream in = p.getOutputStream();
        in.write("one\n".getBytes(StandardCharsets.US_ASCII));
        in.flush();
        awaitCurrent("one\n");
        Proc.kill(p.pid(), Proc.SIGTERM);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(current()).isEqualTo("one\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("log/current"))))
                .isEqualTo("rwxr--r--");
    }

    @Test
    void termInsideALineFinishesTheLineAndLeavesTheRestUnread() throws Exception {
        Process p = start("./log");
        OutputStream in = p.getOutputStream();
        in.write("one\npart".getBytes(StandardCharsets.US_ASCII));
        in.flush();
        awaitCurrent("one\n"); // read in one go with "part", which multilog holds until the line ends
        Proc.kill(p.pid(), Proc.SIGTERM);
        Thread.sleep(300);
        assertThat(p.isAlive()).isTrue();
        in.write(" rest\nnext\n".getBytes(StandardCharsets.US_ASCII));
        in.flush();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(current()).isEqualTo("one\npart rest\n");
    }

    @Test
    void alrmRotatesANonEmptyCurrent() throws Exception {
        Process p = start("./log");
        OutputStream in = p.getOutputStream();
        in.write("before\n".getBytes(StandardCharsets.US_ASCII));
        in.flush();
        awaitCurrent("before\n");
        Proc.kill(p.pid(), Proc.SIGALRM);
        long end = System.nanoTime() + 10_000_000_000L;
        while (MultilogTest.oldLogs(tmp.resolve("log")).isEmpty() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThat(MultilogTest.oldLogs(tmp.resolve("log"))).singleElement()
                .satisfies(f -> assertThat(Files.readString(f)).isEqualTo("before\n"));
        // empty current: ALRM does nothing
        Proc.kill(p.pid(), Proc.SIGALRM);
        Thread.sleep(300);
        assertThat(MultilogTest.oldLogs(tmp.resolve("log"))).hasSize(1);
        in.write("after\n".getBytes(StandardCharsets.US_ASCII));
        in.close();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(current()).isEqualTo("after\n");
    }
}
