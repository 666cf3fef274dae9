package org.qmailj.common.users;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.sys.Passwd;
import org.qmailj.common.sys.SysException;

/**
 * The user in charge of a local part, as qmail-lspawn finds it: users/cdb ({@link UsersCdb}),
 * else, in a sandbox install (lib/ids gives every qmail user the same uid), the sandbox user:
 * lib/ids' alias uid/gid with home control/sandboxhome (default QMAIL_HOME/alias), dash and
 * ext empty; else qmail-getpw's rules ({@link Getpw}). qmail-lspawn delivers by it and
 * qmail-smtpd's recipient check asks it, so both agree on every address.
 *
 * @param privileged true for qmail-lspawn (root); false for a caller that may be denied a
 *     stat root would get (see {@link Getpw})
 */
public record LocalUsers(QmailHome home, boolean sandbox, boolean privileged) {

    public static LocalUsers of(QmailHome home, boolean privileged) {
        return new LocalUsers(home, isSandbox(home), privileged);
    }

    public Nughde lookup(String local) throws LookupFailure {
        Optional<Nughde> fromCdb = UsersCdb.lookup(home.users().resolve("cdb"), local);
        if (fromCdb.isPresent()) return fromCdb.get();
        if (sandbox) return sandboxUser();
        return Getpw.lookup(home, local, privileged);
    }

    /** A sandbox install: lib/ids gives every qmail user the same uid. */
    public static boolean isSandbox(QmailHome home) {
        try {
            QmailIds ids = QmailIds.read(home);
            Integer uid = null;
            for (String u : QmailIds.USERS) {
                int x = ids.uid(u);
                if (uid != null && uid != x) return false;
                uid = x;
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Nughde sandboxUser() throws LookupFailure {
        try {
            QmailIds ids = QmailIds.read(home);
            int uid = ids.uid("alias");
            int gid = ids.userGid("alias");
            String name = Passwd.getpwuid(uid).map(Passwd.PasswdEntry::name).orElse("alias");
            String dir = home.control().line("sandboxhome").orElse(home.alias().toString());
            return new Nughde(name, uid, gid, Path.of(dir).toAbsolutePath().toString(), "", "");
        } catch (SysException e) {
            throw new LookupFailure(LookupFailure.Cause.SYS);
        } catch (IOException e) {
            throw new LookupFailure(LookupFailure.Cause.NOALIAS);
        }
    }
}
