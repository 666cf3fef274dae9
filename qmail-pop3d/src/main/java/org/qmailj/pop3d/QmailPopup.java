package org.qmailj.pop3d;

import java.util.Arrays;
import org.qmailj.common.Exit;
import org.qmailj.common.sys.Proc;
import org.qmailj.smtpd.FdWire;

/**
 * qmail-popup - read a POP username and password. Usage: {@code qmail-popup hostname
 * subprogram [args]}. Reads the connection on descriptor 0 and writes it on descriptor 1
 * (tcpserver or inetd), then runs the subprogram (checkpassword) with the connection and the
 * name, password and timestamp on descriptor 3 ({@link PopupSession}), and waits for it.
 * Exits 1, as qmail-popup does.
 */
public final class QmailPopup {
    private QmailPopup() { }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.out.write(Reply.USAGE.line(), 0, Reply.USAGE.line().length);
            Exit.now(PopupSession.EXIT);
        }
        PopupSession.Subprogram sub = new SpawnedSubprogram(Arrays.asList(args).subList(1, args.length), System.getenv());
        int code = PopupSession.serve(new FdWire(), args[0], Proc.getpid(),
                System.currentTimeMillis() / 1000, sub);
        Exit.now(code);
    }
}
