package org.qmailj.smtpd;

import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;

/**
 * qmail-qmtpd - the standalone program: the connection on fds 0 and 1, the environment the
 * process's own (tcp-environ(5)). tcpserver runs the same {@link QmtpdSession} in-process.
 */
public final class QmailQmtpd {
    private QmailQmtpd() { }

    public static void main(String[] args) {
        Exit.now(QmtpdSession.serve(QmailHome.current(), System.getenv(), new FdWire()));
    }
}
