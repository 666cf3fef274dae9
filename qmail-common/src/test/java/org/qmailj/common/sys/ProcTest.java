package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcTest {

    @Test
    void killWithSignalZeroFindsThisProcess() throws Exception {
        Proc.kill(Proc.getpid(), 0);
    }

    @Test
    void killOfAReapedChildIsEsrch() throws Exception {
        long pid = Spawn.spawn("/bin/true", List.of("true"), List.of(), List.of());
        assertThat(Spawn.waitpid(pid).exitCode()).isZero();

        assertThatThrownBy(() -> Proc.kill(pid, Proc.SIGTERM))
                .isInstanceOfSatisfying(SysException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ESRCH);
                    assertThat(e.call()).isEqualTo("kill");
                    assertThat(e).hasMessage("kill " + pid + " 15: No such process (errno 3)");
                });
    }

    @Test
    void idsMatchTheKernelsView() throws Exception {
        List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
        // "Uid:\treal\teffective\tsaved\tfs"
        String[] uid = field(status, "Uid:");
        String[] gid = field(status, "Gid:");

        assertThat(Proc.getuid()).isEqualTo(Integer.parseInt(uid[1]));
        assertThat(Proc.geteuid()).isEqualTo(Integer.parseInt(uid[2]));
        assertThat(Proc.getgid()).isEqualTo(Integer.parseInt(gid[1]));
        assertThat(Proc.getegid()).isEqualTo(Integer.parseInt(gid[2]));
        assertThat(Proc.getpid()).isEqualTo(Long.parseLong(
                Path.of("/proc/self").toRealPath().getFileName().toString()));
    }

    @Test
    void execvReplacesTheJvmKeepingPidAndInheritableDescriptors() throws Exception {
        ChildJvm.Result result = ChildJvm.run(ExecvChild.class);

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        List<String> lines = result.lines();
        assertThat(lines).hasSize(7);
        String jvmPid = lines.get(0).substring("jvm ".length());
        assertThat(lines.get(2)).isEqualTo("sh " + jvmPid);
        assertThat(lines.get(3)).isEqualTo("via fd 7");
        assertThat(lines.get(4)).startsWith("closed ");
        assertThat(lines.get(5)).startsWith("closed ");
        assertThat(lines.get(6)).isEqualTo("sh-SigBlk: 0000000000000000");
        assertThat(result.stdout()).doesNotContain("execv returned");
    }

    @Test
    void failedExecvThrowsAndLeavesTheJvmRunning() throws Exception {
        Path status = Path.of("/proc/thread-self/status");
        String maskBefore = field(Files.readAllLines(status), "SigBlk:")[1];

        assertThatThrownBy(() -> Proc.execv("/nonexistent/program", List.of("x"), List.of()))
                .isInstanceOfSatisfying(SysException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e).hasMessage(
                            "execve /nonexistent/program: No such file or directory (errno 2)");
                });
        assertThat(field(Files.readAllLines(status), "SigBlk:")[1]).isEqualTo(maskBefore);
    }

    @Test
    void resIdsAndGroupsMatchTheKernelsView() throws Exception {
        List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
        String[] uid = field(status, "Uid:");
        String[] gid = field(status, "Gid:");
        String[] groups = field(status, "Groups:");

        assertThat(Proc.getresuid()).isEqualTo(new Proc.Ids(Integer.parseInt(uid[1]),
                Integer.parseInt(uid[2]), Integer.parseInt(uid[3])));
        assertThat(Proc.getresgid()).isEqualTo(new Proc.Ids(Integer.parseInt(gid[1]),
                Integer.parseInt(gid[2]), Integer.parseInt(gid[3])));
        int[] expected = java.util.Arrays.stream(groups).skip(1).mapToInt(Integer::parseInt).toArray();
        assertThat(Proc.getgroups()).containsExactlyInAnyOrder(expected);
        assertThat(Proc.getresuid().all(Proc.getuid())).isEqualTo(Proc.getuid() == Proc.geteuid()
                && uid[3].equals(uid[1]));
    }

    static String[] field(List<String> status, String name) {
        return status.stream().filter(l -> l.startsWith(name)).findFirst().orElseThrow()
                .split("\\s+");
    }
}
