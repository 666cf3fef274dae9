package org.qmailj.supervise.tools;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.sys.Passwd;
import org.qmailj.common.sys.SysException;

/**
 * envuidgid - runs another program with environment variables indicating a specified
 * account's uid and gid (envuidgid(8)): sets {@code $UID} and {@code $GID}, then execs child.
 */
public final class Envuidgid {
    private static final String PROG = "envuidgid";

    private Envuidgid() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            PathExec.usage("envuidgid: usage: envuidgid account child");
        }
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        try {
            var pw = Passwd.getpwnam(args[0]);
            if (pw.isEmpty()) {
                PathExec.fatal(PROG, "unknown account " + args[0]);
                return;
            }
            env.put("GID", Integer.toUnsignedString(pw.get().gid()));
            env.put("UID", Integer.toUnsignedString(pw.get().uid()));
        } catch (SysException e) {
            PathExec.fatal(PROG, "unable to look up " + args[0] + ": " + ErrorStr.of(e));
        }
        PathExec.run(PROG, Arrays.asList(args).subList(1, args.length), env);
    }
}
