package org.qmailj.smtpd;

import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;

/**
 * qmail-smtpd - receive mail via SMTP. The standalone program: the connection is on
 * descriptors 0 and 1 (ucspi-tcp's tcpserver, inetd, or a pipe), the environment is the
 * process's own (tcp-environ(5)). tcpserver runs the same {@link SmtpdSession} in-process.
 */
public final class QmailSmtpd {
    private QmailSmtpd() { }

    public static void main(String[] args) {
        int code = SmtpdSession.serve(QmailHome.current(), System.getenv(), new FdWire());
        System.out.flush();
        Exit.now(code);
    }
}
