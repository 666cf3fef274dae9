package org.qmailj.install;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qmailj.common.QmailIds;
import org.qmailj.common.sys.Proc;

/**
 * Who owns what: the qmail users and groups of INSTALL.ids.md in a root install, or the
 * invoking user for every role in a sandbox.
 */
record Ownership(QmailIds ids, boolean sandbox) {

    static final class MissingUsers extends IOException {
        MissingUsers(String message) { super(message); }
    }

    static Ownership forSandbox() {
        int uid = Proc.getuid();
        int gid = Proc.getgid();
        Map<String, int[]> m = new LinkedHashMap<>();
        for (String u : QmailIds.USERS) m.put(u, new int[] {uid, gid});
        for (String g : QmailIds.GROUPS) m.put(g, new int[] {gid});
        return new Ownership(new QmailIds(m), true);
    }

    /** The qmail users of the machine, or of a scratch prefix's etc/passwd (see SystemPaths). */
    static Ownership forSystem(SystemPaths sys) throws IOException {
        Map<String, int[]> m = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String g : QmailIds.GROUPS) {
            Optional<Integer> e = sys.group(g);
            if (e.isEmpty()) missing.add("group " + g);
            else m.put(g, new int[] {e.get()});
        }
        for (String u : QmailIds.USERS) {
            Optional<int[]> e = sys.user(u);
            if (e.isEmpty()) missing.add("user " + u);
            else m.put(u, e.get());
        }
        if (!missing.isEmpty()) {
            throw new MissingUsers("missing " + String.join(", ", missing)
                    + ": create the qmail users and groups (INSTALL.ids) or install with --sandbox");
        }
        return new Ownership(new QmailIds(m), false);
    }

    int uid(String user) throws IOException { return ids.uid(user); }

    int gid(String group) throws IOException { return ids.gid(group); }
}
