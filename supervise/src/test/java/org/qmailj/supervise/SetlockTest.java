package org.qmailj.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.DefaultSignals;

/**
 * setlock(8): the lock lives on in the exec'd child, -n gives up with daemontools' text and
 * 111, -x exits 0, without -n it waits; errors and usage as Debian's setlock prints them.
 */
class SetlockTest {
    private static final String MAIN = "org.qmailj.supervise.tools.Setlock";

    @TempDir
    Path tmp;

    private static Cmd.Result ours(String... args) throws Exception {
        return Cmd.run(Tools.java(MAIN, args), Map.of(), null, new byte[0], 60);
    }

    private static Cmd.Result debian(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/setlock"));
        cmd.addAll(Arrays.asList(args));
        return Cmd.run(cmd, Map.of(), null, new byte[0], 60);
    }

    private static void same(String... args) throws Exception {
        Cmd.Result o = ours(args);
        Cmd.Result d = debian(args);
        assertThat(o.err()).as(List.of(args).toString()).isEqualTo(d.err());
        assertThat(o.out()).as(List.of(args).toString()).isEqualTo(d.out());
        assertThat(o.exit()).as(List.of(args).toString()).isEqualTo(d.exit());
    }

    @Test
    void usageErrorsAndExitCodesAreDaemontools() throws Exception {
        String f = tmp.resolve("lock").toString();
        same();
        same(f);
        same("-q", f, "true");
        same("-n", tmp.resolve("no/such/dir").toString(), "true");
        same("-x", tmp.resolve("no/such/dir").toString(), "true");
        same("-nX", f, tmp.resolve("no-such-program").toString());
        same("--", f, "sh", "-c", "echo $0 \"$@\"; exit 7", "a", "b");
        same("-N", "-x", f, "true");
        assertThat(ours("-n", f, "true").exit()).isZero();
        assertThat(Files.getPosixFilePermissions(Path.of(f))).hasToString("[OWNER_READ, OWNER_WRITE]");
    }

    /** /proc/locks shows a process waiting for a flock on the file as a "->" line. */
    private static boolean someoneWaits(Path file) throws Exception {
        long ino = (Long) Files.getAttribute(file, "unix:ino");
        return Files.readAllLines(Path.of("/proc/locks")).stream()
                .anyMatch(l -> l.contains("->") && l.contains("FLOCK") && l.contains(":" + ino + " "));
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> cond) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!cond.call()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void theChildHoldsTheLockAndOthersGiveUpOrWait() throws Exception {
        Path lock = tmp.resolve("lock");
        Path ready = tmp.resolve("ready");
        Path release = tmp.resolve("release");
        Path log = tmp.resolve("log");
        // The first holder: the exec'd sh has the lock until it exits.
        Process first = DefaultSignals.builder(Tools.java(MAIN, lock.toString(), "sh", "-c",
                "echo $$ > " + ready + "; while [ ! -e " + release + " ]; do sleep 0.02; done; echo first >> " + log))
                .redirectErrorStream(true).start();
        Process second = null;
        try {
            await("the first holder", () -> Files.exists(ready) && Files.size(ready) > 0);
            // setlock's pid became the shell's: the lock crossed execve.
            assertThat(Files.readString(ready).trim()).isEqualTo(String.valueOf(first.pid()));

            Cmd.Result n = ours("-n", lock.toString(), "sh", "-c", "echo ran >> " + log);
            assertThat(n.exit()).isEqualTo(111);
            assertThat(n.err()).isEqualTo("setlock: fatal: unable to lock " + lock + ": temporary failure\n");
            Cmd.Result nx = ours("-nx", lock.toString(), "sh", "-c", "echo ran >> " + log);
            assertThat(nx.exit()).isZero();
            assertThat(nx.err()).isEmpty();
            // Debian's setlock sees our lock (flock, not fcntl), and the other way round below.
            assertThat(debian("-n", lock.toString(), "true").exit()).isEqualTo(111);

            // Without -n: it waits in flock until the first child exits, then runs.
            second = DefaultSignals.builder(Tools.java(MAIN, lock.toString(), "sh", "-c", "echo second >> " + log))
                    .redirectErrorStream(true).start();
            Process s = second;
            await("the second setlock to wait", () -> someoneWaits(lock) || !s.isAlive());
            assertThat(second.isAlive()).isTrue();
            assertThat(log).doesNotExist();
            Files.createFile(release);
            assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(first.exitValue()).isZero();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(second.exitValue()).isZero();
            assertThat(Files.readString(log)).isEqualTo("first\nsecond\n");
        } finally {
            Files.writeString(release, "");
            first.destroyForcibly().waitFor();
            if (second != null) second.destroyForcibly().waitFor();
        }

        // Debian's setlock holds it now; ours gives up.
        Files.delete(release);
        Files.delete(ready);
        Process d = new ProcessBuilder("/usr/bin/setlock", lock.toString(), "sh", "-c",
                "echo $$ > " + ready + "; while [ ! -e " + release + " ]; do sleep 0.02; done").start();
        try {
            await("Debian's holder", () -> Files.exists(ready) && Files.size(ready) > 0);
            assertThat(ours("-n", lock.toString(), "true").exit()).isEqualTo(111);
        } finally {
            Files.writeString(release, "");
            assertThat(d.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(ours("-n", lock.toString(), "true").exit()).isZero();
    }
}
