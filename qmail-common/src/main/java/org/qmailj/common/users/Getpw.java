package org.qmailj.common.users;

import org.qmailj.common.address.Address;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Optional;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.sys.Passwd;
import org.qmailj.common.sys.SysException;

/**
 * qmail-getpw(8)'s rules: the longest prefix of {@code local} that ends at the end or at a
 * dash, is shorter than 32 characters and, lower-cased, names an account with a nonzero uid
 * whose home directory exists and is owned by it, controls the address (dash "" and ext ""
 * for the bare name, dash "-" and the rest as ext otherwise). All other addresses belong to
 * the alias user, with dash "-" and ext = local.
 *
 * <p>The alias user is lib/ids' {@code alias} entry with home QMAIL_HOME/alias (qmail's
 * alias account has that home); its name is the passwd name of that uid, or "alias".
 *
 * <p>qmail-getpw runs as root, so a home it may not stat does not count (the next prefix is
 * tried). Unprivileged callers (qmail-smtpd's recipient check, as qmaild) pass
 * {@code privileged=false}: for them such a home is a failure, since root might see it.
 */
public final class Getpw {
    static final int USERLEN = 32;

    private Getpw() {
    }

    public static Nughde lookup(QmailHome home, String local) throws LookupFailure {
        return lookup(home, local, true);
    }

    public static Nughde lookup(QmailHome home, String local, boolean privileged) throws LookupFailure {
        if (local.isEmpty()) throw new LookupFailure(LookupFailure.Cause.USAGE);
        Optional<Nughde> u = userext(local, privileged);
        if (u.isPresent()) return u.get();
        return alias(home, local);
    }

    static Optional<Nughde> userext(String local, boolean privileged) throws LookupFailure {
        for (int s = local.length(); s >= 0; s--) {
            if (s >= USERLEN) continue;
            if (s != local.length() && local.charAt(s) != '-') continue;
            String username = Address.lowerAscii(local.substring(0, s));
            if (username.isEmpty()) continue;
            Optional<Passwd.PasswdEntry> pw;
            try {
                pw = Passwd.getpwnam(username);
            } catch (SysException e) {
                throw new LookupFailure(LookupFailure.Cause.SYS);
            }
            if (pw.isEmpty() || pw.get().uid() == 0) continue;
            int owner;
            try {
                owner = (Integer) Files.getAttribute(Path.of(pw.get().home()), "unix:uid");
            } catch (AccessDeniedException e) {
                if (!privileged) throw new LookupFailure(LookupFailure.Cause.SYS);
                continue;
            } catch (NoSuchFileException | NotDirectoryException e) {
                continue;
            } catch (IOException e) {
                throw new LookupFailure(LookupFailure.Cause.NFS);
            }
            if (owner != pw.get().uid()) continue;
            boolean bare = s == local.length();
            return Optional.of(new Nughde(pw.get().name(), pw.get().uid(), pw.get().gid(), pw.get().home(),
                    bare ? "" : "-", bare ? "" : local.substring(s + 1)));
        }
        return Optional.empty();
    }

    static Nughde alias(QmailHome home, String local) throws LookupFailure {
        try {
            QmailIds ids = QmailIds.read(home);
            int uid = ids.uid("alias");
            int gid = ids.userGid("alias");
            String name = "alias";
            try {
                name = Passwd.getpwuid(uid).map(Passwd.PasswdEntry::name).orElse("alias");
            } catch (SysException e) {
                // keep the role name
            }
            return new Nughde(name, uid, gid, home.alias().toString(), "-", local);
        } catch (IOException e) {
            throw new LookupFailure(LookupFailure.Cause.NOALIAS);
        }
    }
}
