package org.qmailj.smtpd;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import org.qmailj.common.sys.Fd;

/**
 * Descriptors 0 (from the network) and 1 (to the network), as ucspi-tcp's tcpserver or
 * inetd hand them over. Each read and write first polls the descriptor for the timeout, as
 * qmail's timeoutread/timeoutwrite select. Runs on the program's main (platform) thread.
 */
public final class FdWire implements Wire {
    private final FileInputStream fin = new FileInputStream(FileDescriptor.in);
    private final FileOutputStream fout = new FileOutputStream(FileDescriptor.out);
    private volatile int timeoutMillis = 1_200_000;

    private final InputStream plainIn = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) <= 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            await(0, Fd.POLLIN);
            return fin.read(b, off, len);
        }
    };

    private final OutputStream plainOut = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            await(1, Fd.POLLOUT);
            fout.write(b, off, len);
        }
    };

    /** plainIn/plainOut, or after STARTTLS the TLS streams over them. */
    private InputStream curIn = plainIn;
    private OutputStream curOut = plainOut;

    private final InputStream in = new InputStream() {
        @Override
        public int read() throws IOException { return curIn.read(); }

        @Override
        public int read(byte[] b, int off, int len) throws IOException { return curIn.read(b, off, len); }
    };

    private final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException { curOut.write(b); }

        @Override
        public void write(byte[] b, int off, int len) throws IOException { curOut.write(b, off, len); }

        @Override
        public void flush() throws IOException { curOut.flush(); }
    };

    @Override
    public boolean tlsCapable() { return true; }

    /** TLS through an SSLEngine over the descriptors; the handshake as a whole within the timeout. */
    @Override
    public TlsInfo startTls(ServerTls tls) throws IOException {
        EngineTls t = new EngineTls(tls.engine(), plainIn, plainOut);
        TlsInfo info = t.handshake(timeoutMillis * 1_000_000L);
        curIn = t.in;
        curOut = t.out;
        return info;
    }

    private void await(int fd, short events) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) throw new SocketTimeoutException("timeout on fd " + fd);
            if (Fd.poll(fd, events, (int) Math.min(left, Integer.MAX_VALUE)) != 0) return;
        }
    }

    @Override
    public InputStream in() { return in; }

    @Override
    public OutputStream out() { return out; }

    @Override
    public void timeout(int seconds) { timeoutMillis = (int) Math.min(seconds * 1000L, Integer.MAX_VALUE); }

    @Override
    public void close() {
        // The descriptors belong to the process; exit closes them.
    }
}
