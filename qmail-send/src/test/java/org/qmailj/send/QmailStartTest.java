package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Proc;

/** qmail-start in sandbox mode: the four daemons, qmail-send keeping qmail-start's pid, signals. */
class QmailStartTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    final ProcessHarness.Tracker harnesses = new ProcessHarness.Tracker();



    @TempDir Path home;

    @Test
    void startsTheDaemonsBecomesQmailSendAndStopsOnTerm() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        ProcessHarness h = harnesses.track(new ProcessHarness(tq)).start();
        h.await("status line", () -> h.logLines().contains("status: local 0/10 remote 0/20"), 60);
        // qmail-start's pid is now qmail-send, with the spawners and qmail-clean as its children.
        assertThat(ProcessHandle.of(h.sendPid()).orElseThrow().info().commandLine().orElse("")).contains("org.qmailj.send.QmailSend");
        List<ProcessHandle> kids = h.children();
        assertThat(kids).hasSize(3);
        assertThat(h.child("QmailClean")).isPresent();
        assertThat(kids.stream().filter(k -> k.info().commandLine().orElse("").contains("FakeSpawner"))).hasSize(2);

        long n = tq.inject("start@x", "me@domain", "me", "you@remote.example");
        h.await("delivered", () -> h.logLines().contains("end msg " + n), 60);
        assertThat(h.delivered()).containsExactlyInAnyOrder("me@domain <start@x> me@domain", "you@remote.example <start@x> me@domain");

        // HUP rereads controls (and changes nothing visible); ALRM with nothing queued is harmless.
        h.signal(Proc.SIGHUP);
        h.signal(Proc.SIGALRM);
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
        assertThat(h.logLines()).endsWith("status: exiting");
        ProcessHarness.awaitGone(kids, 30);
        assertThat(tq.leftovers()).isEmpty();
    }

    /**
     * What the JVM writes to standard output reaches the log (it was /dev/null): under the
     * launchers' -XX:+ExitOnOutOfMemoryError its last words "Terminating due to
     * java.lang.OutOfMemoryError", here the thread dump SIGQUIT asks for.
     */
    @Test
    void theJvmsOwnOutputGoesToTheLog() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        ProcessHarness h = harnesses.track(new ProcessHarness(tq)).start();
        h.await("status line", () -> h.logLines().contains("status: local 0/10 remote 0/20"), 60);
        h.signal(Proc.SIGQUIT);
        // The dump is written a thread at a time, and the signal may come before qmail-send has
        // started all its threads (CI run 107: no todo thread yet): wait for the dump's last
        // section, the JNI references, which every HotSpot thread dump ends with.
        h.await("a whole thread dump in the log", () -> {
            String log = h.logText();
            return log.contains("Full thread dump") && log.contains("\"main\"") && log.contains("JNI global refs");
        }, 60);
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
    }

    @Test
    void activityRecordGoesThroughTheLogger() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        Path out = home.resolve("logger.out");
        ProcessHarness h = harnesses.track(new ProcessHarness(tq)).start("sh", "-c", "exec cat > " + out);
        h.await("status line via the logger", () -> {
            try {
                return java.nio.file.Files.exists(out) && java.nio.file.Files.readString(out).contains("status: local 0/10 remote 0/20\n");
            } catch (java.io.IOException e) {
                return false;
            }
        }, 60);
        assertThat(h.logText()).isEmpty();
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
        h.await("exiting via the logger", () -> {
            try {
                return java.nio.file.Files.readString(out).endsWith("status: exiting\n");
            } catch (java.io.IOException e) {
                return false;
            }
        }, 30);
    }

    @Test
    void secondQmailSendCannotStart() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        ProcessHarness h = harnesses.track(new ProcessHarness(tq)).start();
        h.await("status line", () -> h.logLines().contains("status: local 0/10 remote 0/20"), 60);
        ProcessHarness h2 = harnesses.track(new ProcessHarness(tq)).start();
        assertThat(h2.waitExit(60)).isEqualTo(111);
        assertThat(h2.logLines()).contains("alert: cannot start: qmail-send is already running");
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
    }
}
