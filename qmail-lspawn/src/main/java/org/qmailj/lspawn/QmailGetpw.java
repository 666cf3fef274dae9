package org.qmailj.lspawn;

import java.io.IOException;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.users.Getpw;
import org.qmailj.common.users.LookupFailure;
import org.qmailj.common.users.Nughde;
import org.qmailj.local.LocalExit;

/**
 * qmail-getpw - give addresses to users (qmail-getpw(8)): {@code qmail-getpw local} prints
 * user, uid, gid, homedir, dash and ext, each followed by NUL, by {@link Getpw}'s rules; in
 * case of trouble exits nonzero (the qlx code) without printing anything.
 */
public final class QmailGetpw {
    private QmailGetpw() {
    }

    public static void main(String[] args) {
        if (args.length < 1) Exit.now(LocalExit.USAGE.code());
        try {
            Nughde n = Getpw.lookup(QmailHome.current(), args[0]);
            System.out.write(n.encode());
            System.out.flush();
            Exit.now(0);
        } catch (LookupFailure e) {
            Exit.now(e.reason().qlx());
        } catch (IOException e) {
            Exit.now(LocalExit.SYS.code());
        }
    }
}
