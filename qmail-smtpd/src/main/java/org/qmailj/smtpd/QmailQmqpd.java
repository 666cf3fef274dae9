package org.qmailj.smtpd;

import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;

/**
 * qmail-qmqpd - the standalone program: the connection on fds 0 and 1, the environment the
 * process's own (tcp-environ(5)). tcpserver runs the same {@link QmqpdSession} in-process.
 */
public final class QmailQmqpd {
    private QmailQmqpd() { }

    public static void main(String[] args) {
        Exit.now(QmqpdSession.serve(QmailHome.current(), System.getenv(), new FdWire()));
    }
}
