package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Spawn.FdAction;

class SpawnTest {

    private record Run(String out, Spawn.WaitStatus status) {
    }

    /** Runs {@code sh -c script} with its stdout on a pipe; returns output and status. */
    private static Run sh(String script, Map<String, String> env, List<FdAction> extra)
            throws Exception {
        return run("/bin/sh", List.of("sh", "-c", script), env, extra);
    }

    private static Run run(String path, List<String> argv, Map<String, String> env,
            List<FdAction> extra) throws Exception {
        Fd.Pipe pipe = Fd.pipe();
        List<FdAction> actions = new ArrayList<>(extra);
        actions.add(new FdAction.Dup2(pipe.write(), 1));
        long pid;
        try {
            pid = Spawn.spawn(path, argv, env, actions);
        } finally {
            // Our copy of the write end must go, or the read below never sees end of file.
            Fd.close(pipe.write());
        }
        String out;
        try (InputStream in = Fd.inputStream(pipe.read())) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Spawn.WaitStatus status = Spawn.waitpid(pid);
        assertThat(status.pid()).isEqualTo(pid);
        return new Run(out, status);
    }

    @Test
    void dup2OfAPipeOntoStdoutCapturesOutputAndExitStatus() throws Exception {
        Run run = sh("echo hello; exit 3", Map.of(), List.of());

        assertThat(run.out()).isEqualTo("hello\n");
        assertThat(run.status().exited()).isTrue();
        assertThat(run.status().exitCode()).isEqualTo(3);
        assertThat(run.status().signaled()).isFalse();
    }

    @Test
    void environmentIsExactlyWhatWasPassed() throws Exception {
        Run run = sh("echo \"$FOO\"; env | wc -l", Map.of("FOO", "bar baz", "PATH", "/usr/bin:/bin"),
                List.of());

        // dash adds PWD to the environment of the commands it runs.
        assertThat(run.out()).isEqualTo("bar baz\n3\n");
    }

    @Test
    void childKilledByASignalDecodesAsSignaled() throws Exception {
        long pid = Spawn.spawn("/bin/sleep", List.of("sleep", "30"), List.of(), List.of());
        assertThat(Spawn.waitNoHang(pid)).isEmpty();

        Proc.kill(pid, Proc.SIGTERM);
        Spawn.WaitStatus status = Spawn.waitpid(pid);

        assertThat(status.signaled()).isTrue();
        assertThat(status.signal()).isEqualTo(Proc.SIGTERM);
        assertThat(status.exited()).isFalse();
        assertThat(status.coreDumped()).isFalse();
    }

    @Test
    void waitNoHangReapsAnyChildOnceItHasExited() throws Exception {
        long pid = Spawn.spawn("/bin/sh", List.of("sh", "-c", "exit 7"), List.of(), List.of());
        long deadline = System.nanoTime() + 5_000_000_000L;
        Spawn.WaitStatus status = null;
        while (status == null && System.nanoTime() < deadline) {
            status = Spawn.waitNoHang(pid).orElse(null);
            Thread.sleep(5);
        }
        assertThat(status).isNotNull();
        assertThat(status.exitCode()).isEqualTo(7);
    }

    @Test
    void openAndCloseActionsApplyInTheChild(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out");
        Run run = sh("echo data >&3; if [ -e /proc/$$/fd/2 ]; then echo fd2 open; else echo fd2 closed; fi",
                Map.of(), List.of(
                        new FdAction.Open(3, file, Fd.O_WRONLY | Fd.O_CREAT | Fd.O_TRUNC, 0600),
                        new FdAction.Close(2)));

        assertThat(run.status().exitCode()).isZero();
        assertThat(Files.readString(file)).isEqualTo("data\n");
        assertThat(run.out()).isEqualTo("fd2 closed\n");
    }

    @Test
    void descriptorsNotPlacedByAnActionDoNotLeak() throws Exception {
        Fd.Pipe pipe = Fd.pipe();
        int stray = 150;
        Fd.dup2(pipe.write(), stray); // no close-on-exec: would leak without closefrom
        try {
            Run run = sh("for fd in 4 " + stray + "; do if [ -e /proc/$$/fd/$fd ]; "
                    + "then echo open $fd; else echo closed $fd; fi; done",
                    Map.of(), List.of(new FdAction.Dup2(stray, 4)));

            assertThat(run.out()).isEqualTo("open 4\nclosed " + stray + "\n");
        } finally {
            Fd.close(stray);
            Fd.close(pipe.read());
            Fd.close(pipe.write());
        }
    }

    @Test
    void dup2OntoItselfClearsCloseOnExec() throws Exception {
        Fd.Pipe pipe = Fd.pipe(); // close-on-exec
        try {
            int w = pipe.write();
            // Through /proc rather than >&N: dash rejects descriptor numbers above 9.
            Run run = sh("echo kept > /proc/$$/fd/" + w, Map.of(),
                    List.of(new FdAction.Dup2(w, w)));
            assertThat(run.status().exitCode()).isZero();
            Fd.close(w);
            byte[] buf = new byte[64];
            int n = Fd.read(pipe.read(), buf, 0, buf.length);
            assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).isEqualTo("kept\n");
        } finally {
            Fd.close(pipe.read());
        }
    }

    @Test
    void childStartsWithNoSignalsBlockedOrIgnored() throws Exception {
        // The spawned program reads its own status: a shell's mask is unreliable to read,
        // since dash blocks every signal around its own forks.
        Run run = run("/bin/grep", List.of("grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"),
                Map.of(), List.of());

        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo("SigBlk:\t0000000000000000");
        // glibc's spawn child leaves its two internal signals (32 SIGCANCEL, 33 SIGSETXID)
        // ignored; no ordinary signal may be.
        long ignored = Long.parseUnsignedLong(lines.get(1).substring("SigIgn:\t".length()), 16);
        assertThat(ignored & ~0x180000000L).isZero();
    }

    @Test
    void missingProgramIsEnoentFromSpawnItself() {
        assertThatThrownBy(() -> Spawn.spawn("/nonexistent/prog", List.of("prog"), List.of(),
                List.of()))
                .isInstanceOfSatisfying(SysException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e).hasMessage(
                            "posix_spawn /nonexistent/prog: No such file or directory (errno 2)");
                });
    }

    @Test
    void failingFileActionIsReportedBySpawn(@TempDir Path dir) {
        assertThatThrownBy(() -> Spawn.spawn("/bin/true", List.of("true"), List.of(),
                List.of(new FdAction.Open(0, dir.resolve("missing"), Fd.O_RDONLY, 0))))
                .isInstanceOfSatisfying(SysException.class,
                        e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    }
}
