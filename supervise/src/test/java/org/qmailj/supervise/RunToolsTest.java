package org.qmailj.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * setuidgid, envdir, envuidgid and softlimit against Debian's: what the child sees (ids,
 * groups, environment, limits, its pid), exit codes passed through, and the error texts.
 */
@RootOnly
class RunToolsTest {
    @TempDir
    Path tmp;

    private static Cmd.Result ours(String main, Map<String, String> env, String... args) throws Exception {
        return Cmd.run(Tools.java("org.qmailj.supervise.tools." + main, args), env, null, new byte[0], 60);
    }

    private static Cmd.Result debian(String prog, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/" + prog));
        cmd.addAll(Arrays.asList(args));
        return Cmd.run(cmd, env, null, new byte[0], 60);
    }

    private static void same(String main, String prog, Map<String, String> env, String... args) throws Exception {
        Cmd.Result o = ours(main, env, args);
        Cmd.Result d = debian(prog, env, args);
        assertThat(o.out()).as(prog + " " + List.of(args)).isEqualTo(d.out());
        assertThat(o.err()).as(prog + " " + List.of(args)).isEqualTo(d.err());
        assertThat(o.exit()).as(prog + " " + List.of(args)).isEqualTo(d.exit());
    }

    @Test
    void setuidgidDropsToTheAccountAndExecsInPlace() throws Exception {
        same("Setuidgid", "setuidgid", Map.of(), "nobody", "id");
        same("Setuidgid", "setuidgid", Map.of(), "nobody", "sh", "-c", "exit 42");
        same("Setuidgid", "setuidgid", Map.of(), "no-such-account", "id");
        same("Setuidgid", "setuidgid", Map.of(), "nobody", "/nonexistent/prog");
        same("Setuidgid", "setuidgid", Map.of(), "nobody");
        assertThat(ours("Setuidgid", Map.of(), "nobody", "id", "-u").out()).isEqualTo("65534\n");
        // The child keeps setuidgid's pid (exec, not spawn): $PPID of sh is the test JVM.
        Cmd.Result ppid = ours("Setuidgid", Map.of(), "nobody", "sh", "-c", "echo $PPID");
        assertThat(Long.parseLong(ppid.out().trim())).isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void envuidgidSetsUidAndGid() throws Exception {
        same("Envuidgid", "envuidgid", Map.of(), "nobody", "sh", "-c", "echo $UID $GID");
        same("Envuidgid", "envuidgid", Map.of(), "no-such-account", "true");
        same("Envuidgid", "envuidgid", Map.of(), "nobody", "sh", "-c", "exit 3");
    }

    @Test
    void envdirSetsAndRemovesVariables() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("env"));
        Files.writeString(d.resolve("A"), "first line  \t\nsecond\n");
        Files.write(d.resolve("NUL"), new byte[] {'a', 0, 'b', '\n'});
        Files.writeString(d.resolve("GONE"), "");
        Files.writeString(d.resolve(".hidden"), "x");
        Files.writeString(d.resolve("EMPTYLINE"), "\n");
        Map<String, String> env = Map.of("GONE", "was here", "KEEP", "kept");
        String show = "printf '%s|' \"$A\" \"$NUL\" \"${GONE-unset}\" \"$KEEP\" \"${EMPTYLINE-unset}\"; env | grep -c hidden";
        same("Envdir", "envdir", env, d.toString(), "sh", "-c", show);
        assertThat(ours("Envdir", env, d.toString(), "sh", "-c", show).out())
                .isEqualTo("first line|a\nb|unset|kept||0\n");
        same("Envdir", "envdir", env, tmp.resolve("none").toString(), "true");
        same("Envdir", "envdir", env, d.toString(), "sh", "-c", "exit 9");
        same("Envdir", "envdir", env, d.toString());
    }

    @Test
    void softlimitSetsSoftLimitsForTheChild() throws Exception {
        String show = "ulimit -S -d; ulimit -S -s; ulimit -S -v; ulimit -S -n; ulimit -S -c; ulimit -S -t; ulimit -S -f; echo $PPID";
        Cmd.Result o = ours("Softlimit", Map.of(), "-m", "30000000", "-o", "50", "-c0", "-t", "=", "-f", "1024000", "sh", "-c", show);
        Cmd.Result d = debian("softlimit", Map.of(), "-m", "30000000", "-o", "50", "-c0", "-t", "=", "-f", "1024000", "sh", "-c", show);
        String mine = o.out().substring(0, o.out().lastIndexOf('\n', o.out().length() - 2) + 1);
        String theirs = d.out().substring(0, d.out().lastIndexOf('\n', d.out().length() - 2) + 1);
        assertThat(mine).isEqualTo(theirs).startsWith("29296\n29296\n29296\n50\n0\nunlimited\n2000\n");
        assertThat(Long.parseLong(o.out().substring(mine.length()).trim())).isEqualTo(ProcessHandle.current().pid());
        same("Softlimit", "softlimit", Map.of(), "-o", "=", "sh", "-c", "exit 5");
        same("Softlimit", "softlimit", Map.of(), "-x", "1", "true");
        same("Softlimit", "softlimit", Map.of(), "-o");
        same("Softlimit", "softlimit", Map.of(), "-o", "12x", "true");
        same("Softlimit", "softlimit", Map.of());
    }
}
