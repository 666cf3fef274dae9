package org.qmailj.supervise.tools;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.Exit;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.SysException;

/**
 * djb's pathexec: replaces this process (same pid) with {@code argv[0]}, searched in PATH
 * unless it contains a slash, with the given environment. Used by setuidgid, envdir,
 * envuidgid and softlimit, which supervise's run scripts chain in front of a daemon.
 */
public final class PathExec {
    private PathExec() {
    }

    /** Only returns by failing: prints "PROG: fatal: unable to run CHILD: ..." and exits 111. */
    public static void run(String prog, List<String> argv, Map<String, String> env) {
        List<String> envp = new ArrayList<>(env.size());
        env.forEach((k, v) -> envp.add(k + "=" + v));
        System.out.flush();
        System.err.flush();
        String file = argv.get(0);
        int errno = Errno.ENOENT;
        if (file.contains("/")) {
            errno = exec(file, argv, envp);
        } else {
            String path = env.getOrDefault("PATH", "/bin:/usr/bin");
            for (String dir : path.split(":", -1)) {
                String candidate = (dir.isEmpty() ? "." : dir) + File.separator + file;
                int e = exec(candidate, argv, envp);
                if (e != Errno.ENOENT) {
                    errno = e;
                }
            }
        }
        System.err.println(prog + ": fatal: unable to run " + file + ": " + ErrorStr.of(errno));
        Exit.now(Exit.SOFT);
    }

    private static int exec(String path, List<String> argv, List<String> envp) {
        try {
            Proc.execv(path, argv, envp);
            return 0;
        } catch (SysException e) {
            return e.errno();
        }
    }

    /** Usage message on stderr, exit 100. */
    public static void usage(String text) {
        System.err.println(text);
        Exit.now(Exit.HARD);
    }

    /** A message as it is on stderr, exit 111. */
    public static void fatal0(String text) {
        System.err.println(text);
        Exit.now(Exit.SOFT);
    }

    /** "PROG: fatal: MESSAGE", exit 111. */
    public static void fatal(String prog, String message) {
        System.err.println(prog + ": fatal: " + message);
        Exit.now(Exit.SOFT);
    }
}
