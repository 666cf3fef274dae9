package org.qmailj.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.qmailj.common.queue.WriterProtocol;

/**
 * One client of the queue writer: its socket, and when its current read started, so that
 * {@link WriterServer}'s sweeper can drop a client that stalls ({@link #timedOut}) by closing
 * the socket, which makes the blocked read fail and the connection's thread remove its files.
 */
final class Connection {
    private static final long NOT_READING = Long.MIN_VALUE;

    final SocketChannel channel;
    final long uid;
    /** When the current message started: qmail-queue's 24 hours run per message. */
    private volatile long startedNanos = System.nanoTime();
    private volatile long readSince = NOT_READING;
    /** Waiting for the next request of a kept connection ({@link WriterProtocol}'s 'k'). */
    private volatile boolean idle;
    private volatile boolean timedOut;
    /** True once the client was told its message number ('P'). */
    volatile boolean prepared;

    Connection(SocketChannel channel, long uid) {
        this.channel = channel;
        this.uid = uid;
    }

    /** The socket's input; every read is timed. Not buffered. */
    InputStream input() {
        InputStream raw = Channels.newInputStream(channel);
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                int r = read(b, 0, 1);
                return r < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                readSince = System.nanoTime();
                try {
                    return raw.read(b, off, len);
                } finally {
                    readSince = NOT_READING;
                }
            }
        };
    }

    /**
     * Between two messages of a kept connection: the first byte of the next request (-1 at
     * end of input). The wait is bounded by {@link #KEEP_IDLE_NANOS} as well as the read
     * timeout, and {@link WriterServer#close} ends it: it sets {@code closing} and then closes
     * the idle connections, and this sets idle before it looks at {@code closing}, so that
     * one of the two sees the other.
     */
    int awaitRequest(InputStream in, BooleanSupplier closing) throws IOException {
        prepared = false;
        idle = true;
        try {
            if (closing.getAsBoolean()) return -1;
            return in.read();
        } finally {
            idle = false;
            startedNanos = System.nanoTime();
        }
    }

    static final long KEEP_IDLE_NANOS = TimeUnit.SECONDS.toNanos(WriterProtocol.KEEP_IDLE_SECONDS);

    /**
     * Closes the socket if a read has waited longer than {@code timeoutNanos} (a kept
     * connection's wait for its next request: no longer than {@link #KEEP_IDLE_NANOS}), or the
     * message is older than {@code maxAgeNanos}.
     */
    void sweep(long now, long timeoutNanos, long maxAgeNanos) {
        long since = readSince;
        long limit = idle ? Math.min(timeoutNanos, KEEP_IDLE_NANOS) : timeoutNanos;
        if ((since != NOT_READING && now - since > limit) || (!idle && now - startedNanos > maxAgeNanos)) {
            timedOut = true;
            close();
        }
    }

    boolean timedOut() {
        return timedOut;
    }

    /** Closes a kept connection that waits for its next request. */
    void closeIfIdle() {
        if (idle) close();
    }

    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closed anyway
        }
    }
}
