package org.qmailj.common;

import java.util.Map;
import org.qmailj.common.sys.Prot;
import org.qmailj.common.sys.SysException;

/**
 * How a daemon started by qmail-start becomes its qmail user. A JVM cannot fork and then
 * setuid, so qmail-start (root) starts each daemon with the target ids in its environment,
 * {@code QMAILJ_UID} and {@code QMAILJ_GID}, and the daemon calls {@link #dropAsStarted} as
 * the first act of main(), before it opens any file. In sandbox mode (qmail-start not root)
 * the variables are absent and nothing changes.
 */
public final class Privileges {
    public static final String UID = "QMAILJ_UID";
    public static final String GID = "QMAILJ_GID";

    private Privileges() {}

    /** The two variables for a child that must run as {@code uid}/{@code gid}. */
    public static Map<String, String> environmentFor(int uid, int gid) {
        return Map.of(UID, Integer.toString(uid), GID, Integer.toString(gid));
    }

    /**
     * Drops to the ids named in the environment, if any. A malformed value or a failed drop
     * ends the process with exit 111: a daemon must not run with privileges it meant to shed.
     */
    public static void dropAsStarted() {
        String u = System.getenv(UID);
        String g = System.getenv(GID);
        if (u == null || g == null || u.isEmpty() || g.isEmpty()) return;
        try {
            Prot.dropTo(Integer.parseInt(u), Integer.parseInt(g));
        } catch (NumberFormatException | SysException e) {
            Exit.now(Exit.SOFT);
        }
    }
}
