package org.qmailj.smtpd;

import java.io.IOException;
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

    /** Whether {@link #startTls} can layer TLS over this connection. */
    default boolean tlsCapable() { return false; }

    /**
     * Runs the server side of a TLS handshake (bounded by the timeout) with {@code tls}'s
     * settings; from then on {@link #in} and {@link #out} read and write through TLS. Bytes
     * the caller read before are not given to TLS. Any failure ends the connection's use.
     */
    default TlsInfo startTls(ServerTls tls) throws IOException {
        throw new IOException("TLS is not available on this connection");
    }

    @Override
    void close();
}
