package org.qmailj.common.sys;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Child JVM main for {@link ProcTest}: prints its pid and its thread's blocked-signal mask,
 * then execs /bin/sh, which reports its own pid, writes through fd 7 (a dup2'd copy of
 * stdout, so not close-on-exec), checks that a close-on-exec pipe did not survive, and shows
 * its own blocked-signal mask (read with builtins: dash blocks all signals around a fork, so
 * a child reading the shell's status could see that instead).
 */
public final class ExecvChild {
    private ExecvChild() {
    }

    public static void main(String[] args) throws Exception {
        Fd.Pipe pipe = Fd.pipe();
        Fd.dup2(1, 7);
        System.out.println("jvm " + ProcessHandle.current().pid());
        System.out.println("jvm-" + sigBlk(Path.of("/proc/thread-self/status")));
        System.out.flush();
        String script = """
                echo "sh $$"
                echo "via fd 7" >&7
                for fd in "$0" "$1"; do
                  if [ -e /proc/$$/fd/$fd ]; then echo "open $fd"; else echo "closed $fd"; fi
                done
                while read -r key value; do
                  if [ "$key" = SigBlk: ]; then echo "sh-SigBlk: $value"; fi
                done < /proc/$$/status
                """;
        Proc.execv("/bin/sh",
                List.of("sh", "-c", script, String.valueOf(pipe.read()), String.valueOf(pipe.write())),
                List.of("PATH=/usr/bin:/bin"));
        System.out.println("execv returned");
    }

    private static String sigBlk(Path status) throws Exception {
        return Files.readAllLines(status).stream()
                .filter(l -> l.startsWith("SigBlk:")).findFirst().orElseThrow();
    }
}
