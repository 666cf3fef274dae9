package org.qmailj.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;

/**
 * One client of the queue writer: its socket, and when its current read started, so that
 * {@link WriterServer}'s sweeper can drop a client that stalls ({@link #timedOut}) by closing
 * the socket, which makes the blocked read fail and the connection's thread remove its files.
 */
final class Connection {
    private static final long NOT_READING = Long.MIN_VALUE;

    final SocketChannel channel;
    final long uid;
    final long startedNanos = System.nanoTime();
    private volatile long readSince = NOT_READING;
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

    /** Closes the socket if a read has waited longer than {@code timeoutNanos}, or the connection is older than {@code maxAgeNanos}. */
    void sweep(long now, long timeoutNanos, long maxAgeNanos) {
        long since = readSince;
        if ((since != NOT_READING && now - since > timeoutNanos) || now - startedNanos > maxAgeNanos) {
            timedOut = true;
            close();
        }
    }

    boolean timedOut() {
        return timedOut;
    }

    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closed anyway
        }
    }
}
