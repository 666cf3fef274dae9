package org.qmailj.pop3d;

import java.nio.file.Path;
import org.qmailj.common.Exit;
import org.qmailj.common.sys.Proc;
import org.qmailj.smtpd.FdWire;

/**
 * qmail-pop3d - distribute mail via POP. Usage: {@code qmail-pop3d maildirname}, normally run
 * by checkpassword in the user's home. Serves the maildir ({@link Pop3dSession}) to the
 * connection on descriptors 0 (read) and 1 (write). Refuses to run as root: says so on
 * descriptor 2 and exits 1, which qmail-popup reports as a failed login.
 */
public final class QmailPop3d {
    private QmailPop3d() { }

    public static void main(String[] args) {
        if (Proc.getuid() == 0) {
            System.err.print("qmail-pop3d invoked as uid 0, terminating\n");
            Exit.now(1);
        }
        if (args.length < 1 || args[0].isEmpty()) {
            System.out.write(Reply.NO_MAILDIR.line(), 0, Reply.NO_MAILDIR.line().length);
            Exit.now(Pop3dSession.EXIT);
        }
        Exit.now(Pop3dSession.serve(new FdWire(), Path.of(args[0]), System.currentTimeMillis() / 1000));
    }
}
