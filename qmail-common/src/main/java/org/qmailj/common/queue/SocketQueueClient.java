package org.qmailj.common.queue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Talks to the queue writer daemon over {@code queue/lock/qmail-queue.sock}
 * ({@link WriterProtocol}): no process per message. The writer takes the uid from the socket
 * (SO_PEERCRED); {@code role} ("alias", "qmaild", "qmails" or null) only picks the wording of
 * the Received line when the uid is shared by several roles (sandbox installs).
 *
 * <p>{@link #open()} throws an IOException when no writer listens; {@link QueueClients} then
 * falls back to bin/qmail-queue. A session whose answer is lost after the commit request asks a
 * (restarted) writer whether the message got queued, for up to {@code resolveMillis}.
 * Sessions are independent: one client may be used by many threads.
 */
public final class SocketQueueClient implements QueueClient {
    private final Path socket;
    private final String role;
    private final long resolveMillis;
    private final boolean ownQp;

    public SocketQueueClient(Path socket, String role, long resolveMillis) {
        this(socket, role, resolveMillis, false);
    }

    /**
     * {@code ownQp}: this process handles one message and its caller reports its pid as the
     * qp (bin/qmail-queue), so the writer records this pid as the p field; otherwise the qp
     * is the message number the writer tells ({@link WriterProtocol}).
     */
    public SocketQueueClient(Path socket, String role, long resolveMillis, boolean ownQp) {
        this.socket = socket;
        this.role = role;
        this.resolveMillis = resolveMillis;
        this.ownQp = ownQp;
    }

    public SocketQueueClient(Path socket) {
        this(socket, null, 30_000);
    }

    public Path socket() { return socket; }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Closes a channel in non-blocking mode. Closing a connected blocking SocketChannel asks
     * sun.nio.ch.Net whether TCP output is to be shut down first, and initialising Net (jdk.net's
     * socket options with their native library, a lambda spun at run time) was a few
     * milliseconds of every one-message client such as sendmail; a Unix socket needs none of it.
     */
    static void close(SocketChannel ch) throws IOException {
        try {
            ch.configureBlocking(false);
        } catch (IOException e) {
            // closed already; close() below is then a no-op
        }
        ch.close();
    }

    /** True if a writer accepts connections on the socket now. */
    public boolean answers() {
        try {
            close(connect());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Session open() throws IOException {
        SocketChannel ch = connect();
        try {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), WriterProtocol.ChunkOutputStream.CHUNK + 8);
            long pid = ProcessHandle.current().pid();
            WriterProtocol.writeHeader(out, pid, role, ownQp ? pid : 0);
            return new SocketSession(ch, out, new BufferedInputStream(Channels.newInputStream(ch), 64));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    private final class SocketSession implements Session {
        private final SocketChannel ch;
        private final OutputStream out;
        private final InputStream in;
        private final WriterProtocol.ChunkOutputStream chunks;
        private final OutputStream message;
        private boolean failed;
        private boolean done;

        SocketSession(SocketChannel ch, OutputStream out, InputStream in) {
            this.ch = ch;
            this.out = out;
            this.in = in;
            this.chunks = new WriterProtocol.ChunkOutputStream(out);
            this.message = new OutputStream() {
                @Override public void write(int b) { write(new byte[] {(byte) b}, 0, 1); }

                @Override
                public void write(byte[] b, int off, int len) {
                    if (failed) return;
                    try {
                        chunks.write(b, off, len);
                    } catch (IOException e) {
                        failed = true; // the writer has answered already, or is gone
                    }
                }

                @Override
                public void flush() {
                    if (failed) return;
                    try {
                        chunks.flush();
                    } catch (IOException e) {
                        failed = true;
                    }
                }
            };
        }

        @Override
        public OutputStream message() { return message; }

        @Override
        public QueueResult commit(Envelope envelope) throws IOException {
            done = true;
            try {
                if (!failed) {
                    try {
                        chunks.close();
                        out.write(envelope.encode());
                        // The commit request goes with the envelope, not after the prepared
                        // answer: the writer still sends N first and reads 'C' only then, so
                        // nothing changes on its side, but it finds 'C' waiting instead of
                        // parking for one more round trip between the two processes.
                        out.write(WriterProtocol.COMMIT);
                        out.flush();
                    } catch (IOException e) {
                        failed = true;
                    }
                }
                WriterProtocol.Answer a;
                try {
                    a = WriterProtocol.readAnswer(in);
                } catch (IOException e) {
                    // Lost before the prepared answer: the writer commits only after sending
                    // it (and a Unix socket delivers what a dead peer wrote before the reset),
                    // so nothing can have been queued.
                    return QueueResult.ofExit(QueueExit.COMMUNICATION.code());
                }
                if (a instanceof WriterProtocol.Final(int exit)) return QueueResult.ofExit(exit);
                WriterProtocol.Prepared prepared = (WriterProtocol.Prepared) a;
                long n = prepared.number();
                long qp = ownQp ? ProcessHandle.current().pid() : n;
                try {
                    if (WriterProtocol.readAnswer(in) instanceof WriterProtocol.Final(int exit)) {
                        return exit == 0 ? QueueResult.queued(qp) : QueueResult.ofExit(exit);
                    }
                    return QueueResult.ofExit(QueueExit.BUG.code());
                } catch (IOException e) {
                    QueueResult r = resolve(n, prepared.stamp());
                    return r.ok() ? r.withQp(qp) : r;
                }
            } finally {
                SocketQueueClient.close(ch);
            }
        }

        @Override
        public void close() {
            if (done) return;
            done = true;
            try {
                SocketQueueClient.close(ch);
            } catch (IOException e) {
                // abandoned: the writer sees end of input and removes what it made
            }
        }
    }

    /**
     * Asks a writer whether message n (with that stamp, unless {@link WriterProtocol#NO_STAMP})
     * got queued, retrying while none listens.
     */
    private QueueResult resolve(long n, long stamp) {
        long deadline = System.nanoTime() + resolveMillis * 1_000_000L;
        while (true) {
            try {
                SocketChannel ch = connect();
                try {
                    OutputStream out = Channels.newOutputStream(ch);
                    if (stamp == WriterProtocol.NO_STAMP) WriterProtocol.writeNumber(out, WriterProtocol.RESOLVE, n);
                    else WriterProtocol.writeStamped(out, WriterProtocol.RESOLVE_STAMPED, n, stamp);
                    out.flush();
                    if (WriterProtocol.readAnswer(Channels.newInputStream(ch)) instanceof WriterProtocol.Final(int exit)) {
                        return QueueResult.ofExit(exit);
                    }
                } finally {
                    close(ch);
                }
            } catch (IOException e) {
                // not back yet
            }
            if (System.nanoTime() > deadline) return QueueResult.ofExit(QueueExit.COMMUNICATION.code());
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return QueueResult.ofExit(QueueExit.COMMUNICATION.code());
            }
        }
    }
}
