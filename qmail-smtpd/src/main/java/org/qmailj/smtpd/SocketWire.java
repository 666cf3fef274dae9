package org.qmailj.smtpd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A TCP connection as a {@link Wire}. Reads time out through SO_TIMEOUT; a write that blocks
 * (the client stopped reading) longer than the timeout is ended by a shared watchdog thread,
 * which closes the socket, so the write fails. Used by one session thread at a time.
 */
public final class SocketWire implements Wire {
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "wire-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private volatile long timeoutMillis;

    public SocketWire(Socket socket, int timeoutSeconds) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        OutputStream raw = socket.getOutputStream();
        this.out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ScheduledFuture<?> alarm = WATCHDOG.schedule(SocketWire.this::close, timeoutMillis, TimeUnit.MILLISECONDS);
                try {
                    raw.write(b, off, len);
                } finally {
                    alarm.cancel(false);
                }
            }
        };
        timeout(timeoutSeconds);
    }

    @Override
    public InputStream in() { return in; }

    @Override
    public OutputStream out() { return out; }

    @Override
    public void timeout(int seconds) {
        timeoutMillis = seconds * 1000L;
        try {
            socket.setSoTimeout((int) Math.min(timeoutMillis, Integer.MAX_VALUE));
        } catch (SocketException e) {
            // closed already: the next read says so
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }
}
