package org.qmailj.common;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.OptionalInt;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.Prot;
import org.qmailj.common.sys.SysException;

/**
 * The one way a daemon takes on its qmail identity (DESIGN.md, "Privileges"): {@link #become}
 * reads the role's uid and gid from {@code lib/ids} ({@link QmailIds}), sets the groups, the
 * gid and the uid, then checks with getresuid, getresgid and getgroups that the kernel now
 * reports exactly that; on any difference it writes one line to stderr and exits 111, since a
 * daemon must not run with privileges it meant to shed. Call it first thing in main(), after
 * {@link FailFast#install} and before opening any file (a descriptor opened as root stays
 * usable after the drop).
 *
 * <p>What it does, by the ids the process starts with and what lib/ids says:
 * <ul>
 * <li>root, role not root: supplementary groups become just the role's gid, then setgid and
 *     setuid (qmail's prot_gid and prot_uid); then real, effective and saved uid and gid must
 *     all be the role's and the groups exactly its gid.
 * <li>root, and the role is {@link Role#ROOT} (qmail-lspawn, which becomes each user per
 *     delivery) or lib/ids maps the role to uid 0 (a sandbox installed by root): nothing
 *     changes; real, effective and saved uid must be 0.
 * <li>not root (sandbox mode: qmail-install --sandbox writes the invoking user for every role,
 *     and the sandbox runs everything as that user):
 *     nothing can change; real, effective and saved uid and gid must all be the role's.
 *     Supplementary groups are the account's own and are not checked.
 * <li>no lib/ids (a bare tree built by a test): every role is the process's own real uid and
 *     gid, and only their consistency is checked (effective and saved equal to real).
 * </ul>
 * tcpserver's {@code -u}/{@code -g} give the ids on the command line, as in ucspi-tcp; they go
 * through {@link #becomeIds}, the same drop and the same checks.
 */
public final class Privileges {

    /** The qmail users a daemon runs as (INSTALL.ids.md). */
    public enum Role {
        /** qmail-lspawn: stays root to become each local user itself. */
        ROOT("root"),
        QMAILS("qmails"),
        QMAILR("qmailr"),
        QMAILQ("qmailq"),
        QMAILD("qmaild"),
        QMAILL("qmaill"),
        ALIAS("alias");

        /** The name in lib/ids. */
        public final String user;

        Role(String user) {
            this.user = user;
        }
    }

    /** The ids a role maps to in one install. */
    public record Target(int uid, int gid) {}

    private Privileges() {}

    /** The uid and gid of {@code role} by lib/ids, or the process's own without lib/ids. */
    public static Target target(QmailHome home, Role role) throws IOException {
        if (!Files.exists(QmailIds.file(home))) return new Target(Proc.getuid(), Proc.getgid());
        QmailIds ids = QmailIds.read(home);
        return new Target(ids.uid(role.user), ids.userGid(role.user));
    }

    /**
     * Becomes {@code role} of the install at QMAIL_HOME, or ends the process with exit 111 and
     * one line {@code program: fatal: ...} on stderr.
     */
    public static void become(String program, Role role) {
        become(program, QmailHome.current(), role);
    }

    /** {@link #become(String, Role)} for an explicit QMAIL_HOME. */
    public static void become(String program, QmailHome home, Role role) {
        String problem = tryBecome(home, role);
        if (problem != null) fatal(program, problem);
    }

    /**
     * {@link #become} for a program with exit codes of its own (qmail-queue): null when the
     * process now is {@code role}, else the reason, and the caller must exit at once.
     */
    public static String tryBecome(QmailHome home, Role role) {
        try {
            Target t = target(home, role);
            String problem = apply(t, role == Role.ROOT);
            return problem == null ? null : "unable to become " + role.user + " (uid " + t.uid() + " gid " + t.gid() + "): " + problem;
        } catch (IOException e) {
            return "unable to become " + role.user + ": " + e.getMessage();
        }
    }

    /**
     * tcpserver's {@code -g gid} and {@code -u uid} (either may be absent, as in ucspi-tcp): the
     * same drop and checks as {@link #become}, for ids given on the command line. Groups become
     * just {@code gid} when a gid is given.
     */
    public static void becomeIds(String program, OptionalInt uid, OptionalInt gid) {
        String problem = null;
        try {
            if (gid.isPresent()) Prot.gid(gid.getAsInt());
            if (uid.isPresent()) Prot.uid(uid.getAsInt());
            if (gid.isPresent()) problem = checkGid(gid.getAsInt(), true);
            if (problem == null && uid.isPresent()) problem = checkUid(uid.getAsInt());
        } catch (SysException e) {
            problem = e.getMessage();
        }
        if (problem != null) fatal(program, "unable to drop privileges to uid " + uid + " gid " + gid + ": " + problem);
    }

    /** Null when the process now runs as {@code t}, else what differs. */
    private static String apply(Target t, boolean rootRole) {
        try {
            boolean root = Proc.geteuid() == 0;
            if (root && (rootRole || t.uid() == 0)) {
                // root stays root: the gid and groups are root's own, as for C qmail-lspawn
                return checkUid(0);
            }
            if (root) {
                Prot.gid(t.gid());
                Prot.uid(t.uid());
                String p = checkUid(t.uid());
                return p != null ? p : checkGid(t.gid(), true);
            }
            String p = checkUid(t.uid());
            return p != null ? p : checkGid(t.gid(), false);
        } catch (SysException e) {
            return e.getMessage();
        }
    }

    private static String checkUid(int uid) throws SysException {
        Proc.Ids u = Proc.getresuid();
        return u.all(uid) ? null : "real/effective/saved uid is " + u;
    }

    private static String checkGid(int gid, boolean groups) throws SysException {
        Proc.Ids g = Proc.getresgid();
        if (!g.all(gid)) return "real/effective/saved gid is " + g;
        if (!groups) return null;
        int[] list = Proc.getgroups();
        return list.length == 1 && list[0] == gid ? null : "supplementary groups are " + Arrays.toString(list);
    }

    private static void fatal(String program, String message) {
        System.err.println(program + ": fatal: " + message);
        Exit.now(Exit.SOFT);
    }
}
