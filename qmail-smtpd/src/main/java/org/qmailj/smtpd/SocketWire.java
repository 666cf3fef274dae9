package org.qmailj.smtpd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocket;

/**
 * A TCP connection as a {@link Wire}. Reads and writes only set and clear a deadline field;
 * the {@link WriteWatchdog} ends those that block past it: a write (the client stopped
 * reading) by closing the socket, so the write fails; a read by shutting the socket's input
 * down, so the read ends and fails with SocketTimeoutException while the output stays open
 * for qmail's "451 timeout" reply. So a session's timer state is the same after one reply or
 * a million, and a read that waits costs no timer: SO_TIMEOUT on a virtual thread is a timed
 * park, whose timer task the JDK schedules and cancels through its delay scheduler thread
 * (four futex calls and two thread wake-ups per wait, eight waits per one-message session).
 * After STARTTLS reads time out through SO_TIMEOUT again (the TLS layer must not see its input
 * shut down under it).
 *
 * <p>A session that has run for {@link #SLICE_NANOS} gives its carrier up at its next read or
 * write (see {@link #shareCarrier}): a pipelining client whose input is always there and
 * whose replies always fit in the socket buffer never blocks, and virtual threads are not
 * time-sliced, so two such clients kept both carriers of a 2-core box and no new connection
 * was greeted for as long as they went on.
 * Used by one session thread at a time.
 */
public final class SocketWire implements Wire {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** The socket's streams, or after STARTTLS the TLS socket's. */
    private volatile InputStream rawIn;
    private volatile OutputStream rawOut;
    private volatile long timeoutNanos;
    /** How long a session may run before it lets other connections' threads run. */
    static final long SLICE_NANOS = 10_000_000;
    private long sliceStart = System.nanoTime();
    /** System.nanoTime() by which the write in progress must end; 0 when none is. */
    private volatile long writeDeadline;
    /** System.nanoTime() by which the read in progress must end; 0 when none is (or after STARTTLS). */
    private volatile long readDeadline;
    /** Set by the watchdog when it ended a read: the read then fails as timed out. */
    private volatile boolean readExpired;
    /** False after STARTTLS: reads then time out through SO_TIMEOUT. */
    private volatile boolean watchReads = true;

    public SocketWire(Socket socket, int timeoutSeconds) throws IOException {
        this.socket = socket;
        this.rawIn = socket.getInputStream();
        this.rawOut = socket.getOutputStream();
        this.in = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                return read(b, 0, 1) <= 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                shareCarrier();
                if (!watchReads) return rawIn.read(b, off, len);
                if (readExpired) throw new SocketTimeoutException("Read timed out");
                long deadline = System.nanoTime() + timeoutNanos;
                readDeadline = deadline == 0 ? 1 : deadline;
                int n;
                try {
                    n = rawIn.read(b, off, len);
                } catch (IOException e) {
                    if (readExpired) throw new SocketTimeoutException("Read timed out");
                    throw e;
                } finally {
                    readDeadline = 0;
                }
                if (n < 0 && readExpired) throw new SocketTimeoutException("Read timed out");
                return n;
            }
        };
        this.out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                long deadline = System.nanoTime() + timeoutNanos;
                writeDeadline = deadline == 0 ? 1 : deadline;
                shareCarrier();
                try {
                    rawOut.write(b, off, len);
                } finally {
                    writeDeadline = 0;
                }
            }
        };
        timeout(timeoutSeconds);
        WriteWatchdog.watch(this);
    }

    @Override
    public InputStream in() { return in; }

    @Override
    public OutputStream out() { return out; }

    @Override
    public void timeout(int seconds) {
        long millis = seconds * 1000L;
        timeoutNanos = millis * 1_000_000L;
        if (!watchReads) soTimeout();
    }

    private void soTimeout() {
        try {
            socket.setSoTimeout((int) Math.min(timeoutNanos / 1_000_000L, Integer.MAX_VALUE));
        } catch (SocketException e) {
            // closed already: the next read says so
        }
    }

    @Override
    public boolean tlsCapable() { return true; }

    /**
     * The handshake's reads wait at most the timeout each (SO_TIMEOUT, which the layered
     * socket reads through) and the whole handshake is under one write deadline, so the
     * watchdog closes a connection whose handshake is not done within the timeout, however
     * slowly the client dribbles its bytes.
     */
    @Override
    public TlsInfo startTls(ServerTls tls) throws IOException {
        watchReads = false;
        soTimeout();
        SSLSocket s = tls.layer(socket);
        long deadline = System.nanoTime() + timeoutNanos;
        writeDeadline = deadline == 0 ? 1 : deadline;
        try {
            s.startHandshake();
        } finally {
            writeDeadline = 0;
        }
        rawIn = s.getInputStream();
        rawOut = s.getOutputStream();
        return new TlsInfo(s.getSession().getProtocol(), s.getSession().getCipherSuite());
    }

    /**
     * Ends the session thread's time slice once it has run {@link #SLICE_NANOS}. Thread.yield
     * is not enough: the scheduler's workers run their local queue (which busy sessions keep
     * filled) before looking at the submission queue where new connections wait; a timed
     * park is resumed by the JDK's unparker thread, which submits to that queue, so the
     * session lines up behind the waiting ones. Cost: one timed park per slice.
     */
    private void shareCarrier() {
        long now = System.nanoTime();
        if (now - sliceStart < SLICE_NANOS) return;
        sliceStart = now;
        if (Thread.currentThread().isVirtual()) LockSupport.parkNanos(1);
    }

    /** True when a write is in progress and its deadline has passed. */
    boolean writeExpired(long now) {
        long d = writeDeadline;
        return d != 0 && now - d >= 0;
    }

    /** True when a read is in progress and its deadline has passed. */
    boolean readExpired(long now) {
        long d = readDeadline;
        return d != 0 && now - d >= 0;
    }

    /**
     * Ends the read in progress (the watchdog's thread): it and every later read fail as timed
     * out; the output stays open for the reply that says so.
     */
    void expireRead() {
        readExpired = true;
        try {
            socket.shutdownInput();
        } catch (IOException e) {
            close(); // cannot end the read otherwise
        }
    }

    /** Closes the TCP connection; after STARTTLS without close_notify, which could block. */
    @Override
    public void close() {
        WriteWatchdog.unwatch(this);
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }
}
