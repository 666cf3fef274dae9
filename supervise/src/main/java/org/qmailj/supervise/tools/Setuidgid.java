package org.qmailj.supervise.tools;

import java.util.Arrays;
import java.util.List;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.sys.Passwd;
import org.qmailj.common.sys.Prot;
import org.qmailj.common.sys.SysException;

/**
 * setuidgid - runs another program under a specified account's uid and gid (setuidgid(8)):
 * {@code setuidgid account child...}. The supplementary groups become just the account's
 * gid, then gid and uid are set, then child is exec'd in place (same pid). Exits 111 on
 * trouble, 100 on usage; otherwise the child's exit code is the exit code.
 */
public final class Setuidgid {
    private static final String PROG = "setuidgid";

    private Setuidgid() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            PathExec.usage("setuidgid: usage: setuidgid account child");
        }
        try {
            var pw = Passwd.getpwnam(args[0]);
            if (pw.isEmpty()) {
                PathExec.fatal(PROG, "unknown account " + args[0]);
                return;
            }
            int gid = pw.get().gid();
            try {
                Prot.groups(new int[] {gid});
                Prot.gid(gid);
            } catch (SysException e) {
                PathExec.fatal(PROG, "unable to setgid: " + ErrorStr.of(e));
            }
            try {
                Prot.uid(pw.get().uid());
            } catch (SysException e) {
                PathExec.fatal(PROG, "unable to setuid: " + ErrorStr.of(e));
            }
        } catch (SysException e) {
            PathExec.fatal(PROG, "unable to look up " + args[0] + ": " + ErrorStr.of(e));
        }
        List<String> child = Arrays.asList(args).subList(1, args.length);
        PathExec.run(PROG, child, System.getenv());
    }
}
