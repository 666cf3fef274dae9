package org.qmailj.tcpserver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.Exit;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.SysException;

/** pathexec for rblsmtpd and tcp-env: replaces this process (same pid) with the program. */
final class Exec {
    private Exec() {
    }

    /** Only returns by failing: "PROG: fatal: unable to run CHILD: ..." and exit 111. */
    static void run(String prog, List<String> argv, Map<String, String> env) {
        List<String> envp = new ArrayList<>(env.size());
        env.forEach((k, v) -> envp.add(k + "=" + v));
        String reason;
        try {
            String path = Names.findProgram(argv.getFirst(), env.get("PATH"));
            System.out.flush();
            System.err.flush();
            Proc.execv(path, argv, envp);
            reason = "exec returned";
        } catch (SysException e) {
            reason = ErrorStr.of(e.errno());
        } catch (IOException e) {
            reason = e.getMessage();
        }
        System.err.print(prog + ": fatal: unable to run " + argv.getFirst() + ": " + reason + "\n");
        Exit.now(Exit.SOFT);
    }
}
