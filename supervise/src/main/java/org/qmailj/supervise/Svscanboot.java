package org.qmailj.supervise;

import java.util.ArrayList;
import java.util.List;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.SysException;

/**
 * svscanboot - starts svscan in /service, its output and errors going to readproctitle
 * (svscanboot(8)). daemontools' svscanboot is a shell script and so is this one: the JVM only
 * execs /bin/sh with daemontools' script, so no JVM stays behind it (same pid). Differences:
 * an optional argument names the directory instead of /service, PATH starts with this
 * tree's bin/ (so svscan, supervise and svc are ours) before daemontools' PATH, and when no
 * readproctitle is on that PATH (it is daemontools'; Debian's package has one) svscan's
 * errors are read and dropped rather than left to kill svscan with SIGPIPE.
 */
public final class Svscanboot {
    static final String PATH = "/command:/usr/local/bin:/usr/local/sbin:/bin:/sbin:/usr/bin:/usr/sbin:/usr/X11R6/bin";

    /** daemontools 0.76's svscanboot.sh, with $1 the PATH and $2 the directory. */
    static final String SCRIPT = """
            PATH=$1
            exec </dev/null
            exec >/dev/null
            exec 2>/dev/null
            svc -dx "$2"/* "$2"/*/log
            if command -v readproctitle >/dev/null; then
              env - PATH=$PATH svscan "$2" 2>&1 | \\
              env - PATH=$PATH readproctitle service errors: %s
            else
              env - PATH=$PATH svscan "$2" 2>&1 | cat >/dev/null
            fi
            """.formatted(".".repeat(400));

    private Svscanboot() {
    }

    public static void main(String[] args) {
        if (args.length > 1) {
            System.err.println("svscanboot: usage: svscanboot [ directory ]");
            Exit.now(Exit.HARD);
        }
        String dir = args.length == 1 ? args[0] : "/service";
        String path = QmailHome.current().bin() + ":" + PATH;
        List<String> envp = new ArrayList<>();
        System.getenv().forEach((k, v) -> envp.add(k + "=" + v));
        System.out.flush();
        System.err.flush();
        try {
            Proc.execv("/bin/sh", List.of("svscanboot", "-c", SCRIPT, "svscanboot", path, dir), envp);
        } catch (SysException e) {
            System.err.println("svscanboot: fatal: unable to run /bin/sh: " + ErrorStr.of(e));
        }
        Exit.now(Exit.SOFT);
    }
}
