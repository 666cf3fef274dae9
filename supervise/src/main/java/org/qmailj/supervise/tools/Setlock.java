package org.qmailj.supervise.tools;

import java.nio.file.Path;
import java.util.Arrays;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.Exit;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Lock;
import org.qmailj.common.sys.SysException;

/**
 * setlock - runs another program with a file locked (setlock(8)):
 * {@code setlock [ -nNxX ] fn child...}. Opens fn as daemontools' open_append does
 * (O_WRONLY|O_NDELAY|O_APPEND|O_CREAT, mode 0600), takes an exclusive flock(2) on it, waiting
 * unless -n, and execs child in place with a descriptor for the locked file, so the lock lasts
 * until child and everything that inherited the descriptor are gone. -x: exit 0 silently if fn
 * cannot be opened or locked. Trouble: 111; usage: 100.
 */
public final class Setlock {
    private static final String PROG = "setlock";
    private static final String USAGE = "setlock: usage: setlock [ -nNxX ] file program [ arg ... ]";

    private Setlock() {
    }

    public static void main(String[] args) {
        boolean noDelay = false;
        boolean quiet = false;
        int i = 0;
        options:
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-") || a.length() == 1) break;
            for (int j = 1; j < a.length(); j++) {
                switch (a.charAt(j)) {
                    case 'n' -> noDelay = true;
                    case 'N' -> noDelay = false;
                    case 'x' -> quiet = true;
                    case 'X' -> quiet = false;
                    default -> {
                        System.err.println("setlock: illegal option -- " + a.charAt(j));
                        PathExec.usage(USAGE);
                        break options;
                    }
                }
            }
        }
        if (args.length - i < 2) {
            PathExec.usage(USAGE);
        }
        String file = args[i];
        int fd;
        try {
            fd = Fd.open(Path.of(file), Fd.O_WRONLY | Fd.O_NONBLOCK | Fd.O_APPEND | Fd.O_CREAT, 0600);
        } catch (SysException e) {
            fail(quiet, "unable to open " + file + ": " + ErrorStr.of(e));
            return;
        }
        try {
            if (noDelay) {
                if (!Lock.lockExNb(fd)) {
                    fail(quiet, "unable to lock " + file + ": " + ErrorStr.of(Errno.EWOULDBLOCK));
                }
            } else {
                Lock.lockEx(fd);
            }
            // The descriptor from open is close-on-exec. A fresh dup (never a dup2 onto a fixed
            // number, which another JVM thread might own) is not, and carries the lock across
            // execve: flock locks belong to the open file description.
            Fd.dup(fd);
        } catch (SysException e) {
            fail(quiet, "unable to lock " + file + ": " + ErrorStr.of(e));
        }
        PathExec.run(PROG, Arrays.asList(args).subList(i + 1, args.length), System.getenv());
    }

    private static void fail(boolean quiet, String message) {
        if (quiet) {
            Exit.now(0);
        }
        PathExec.fatal(PROG, message);
    }
}
