package org.qmailj.local;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Spawn;
import org.qmailj.common.sys.SysException;

/**
 * A {@code |command} line (qmail-command(8)): {@code sh -c command} in the home directory,
 * the message (without qmail-local's Return-Path and Delivered-To lines) on its stdin: the
 * message's own descriptor, rewound, as qmail gives programs the message file itself (so
 * tools that rewind fd 0 work), its
 * stdout and stderr going to qmail-local's report. A JVM cannot chdir, so the shell does:
 * {@code /bin/sh -c 'cd "$HOME" && exec /bin/sh -c "$1"' sh command}.
 *
 * <p>Exit codes: 0 success; 99 success and ignore the following lines; 100, 64, 65, 70, 76,
 * 77, 78 and 112 permanent failure; anything else temporary; a crash is "Aack, child
 * crashed. (#4.3.0)".
 */
public final class ProgramLine {
    /** What qmail-local does next after the program. */
    public enum Outcome { CONTINUE, STOP }

    static final String WRAPPER = "cd \"$HOME\" && exec /bin/sh -c \"$1\"";

    private ProgramLine() {
    }

    public static Outcome run(String command, Map<String, String> env, MessageFile msg, Report report)
            throws LocalFailure {
        // The message file itself on fd 0, from its start, as qmail gives it (seekable).
        try {
            msg.rewind();
        } catch (SysException e) {
            throw LocalFailure.temp("Unable to rewind message. (#4.3.0)");
        }
        Fd.Pipe out;
        long pid;
        try {
            out = Fd.pipe();
        } catch (SysException e) {
            throw LocalFailure.temp("Unable to fork: " + LocalFailure.reason(e) + ". (#4.3.0)");
        }
        try {
            pid = Spawn.spawn("/bin/sh", List.of("/bin/sh", "-c", WRAPPER, "sh", command), env,
                    List.of(new Spawn.FdAction.Dup2(msg.fd(), 0),
                            new Spawn.FdAction.Dup2(out.write(), 1),
                            new Spawn.FdAction.Dup2(out.write(), 2)));
        } catch (SysException e) {
            closeQuietly(out.read(), out.write());
            throw LocalFailure.temp("Unable to run /bin/sh: " + LocalFailure.reason(e) + ". (#4.3.0)");
        }
        closeQuietly(out.write());
        try (InputStream fromChild = reopenIn(out.read())) {
            byte[] buf = new byte[8192];
            int n;
            while ((n = fromChild.read(buf)) > 0) report.out(buf, 0, n);
        } catch (IOException e) {
            // reading the output failed; the exit status decides
        }
        Spawn.WaitStatus st;
        try {
            st = Spawn.waitpid(pid);
        } catch (SysException e) {
            throw LocalFailure.temp("Aack, child crashed. (#4.3.0)");
        }
        if (st.signaled() || !st.exited()) throw LocalFailure.temp("Aack, child crashed. (#4.3.0)");
        return switch (st.exitCode()) {
            case 0 -> Outcome.CONTINUE;
            case 99 -> Outcome.STOP;
            case 100, 64, 65, 70, 76, 77, 78, 112 -> throw new LocalFailure(LocalExit.HARD.code(), null);
            default -> throw new LocalFailure(LocalExit.SOFT.code(), null);
        };
    }

    static InputStream reopenIn(int fd) throws IOException {
        try {
            return new FileInputStream("/proc/self/fd/" + fd);
        } finally {
            Fd.close(fd);
        }
    }

    static void closeQuietly(int... fds) {
        for (int fd : fds) {
            try {
                Fd.close(fd);
            } catch (SysException ignored) {
                // already closed
            }
        }
    }
}
