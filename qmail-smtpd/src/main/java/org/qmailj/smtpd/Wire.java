package org.qmailj.smtpd;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * The two directions of one connection as a session sees them, with qmail's timeoutread /
 * timeoutwrite: a read that waits longer than the timeout throws
 * {@link java.net.SocketTimeoutException}; a write that cannot finish in time throws an
 * IOException. Implementations: {@link SocketWire} (tcpserver's in-process sessions) and
 * {@link FdWire} (fds 0 and 1, when run by another tcpserver or inetd).
 */
public interface Wire extends AutoCloseable {
    InputStream in();

    OutputStream out();

    /** Sets the timeout of every later read and write. */
    void timeout(int seconds);

    @Override
    void close();
}
