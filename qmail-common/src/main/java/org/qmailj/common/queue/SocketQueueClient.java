package org.qmailj.common.queue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;

/**
 * Talks to the queue writer daemon over {@code queue/lock/qmail-queue.sock}
 * ({@link WriterProtocol}): no process per message. The writer takes the uid from the socket
 * (SO_PEERCRED); {@code role} ("alias", "qmaild", "qmails" or null) only picks the wording of
 * the Received line when the uid is shared by several roles (sandbox installs).
 *
 * <p>{@link #open()} throws an IOException when no writer listens; {@link QueueClients} then
 * falls back to bin/qmail-queue. A session whose answer is lost after the commit request asks a
 * (restarted) writer whether the message got queued, for up to {@code resolveMillis}.
 * Sessions are independent: one client may be used by many threads. A connection the writer
 * keeps after a commit ('Y') serves the next session of this process on that socket, up to
 * {@link #MAX_KEPT} of them, unless the client is one process per message ({@code ownQp}).
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

    /** How long a connect waits out a writer's full backlog before it fails. */
    static final long BACKLOG_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /**
     * Connects; a full backlog (EAGAIN) is waited out for up to {@link #BACKLOG_WAIT_NANOS}. A
     * platform thread's connect blocks until the writer accepts, but the JDK makes a virtual
     * thread's socket non-blocking, and a non-blocking connect to a Unix socket whose backlog
     * is full fails at once with EAGAIN (it is not EINPROGRESS): tcpserver's sessions past its
     * 32 platform threads then fell back to a bin/qmail-queue process per message in a burst.
     */
    private static SocketChannel connect(Path socket) throws IOException {
        long deadline = 0;
        long pauseMillis = 1;
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return ch;
            } catch (SocketException e) {
                ch.close();
                // The JDK's text for EAGAIN (strerror); no other exception names it.
                if (!"Resource temporarily unavailable".equals(e.getMessage())) throw e;
                long now = System.nanoTime();
                if (deadline == 0) deadline = now + BACKLOG_WAIT_NANOS;
                else if (now > deadline) throw e;
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted waiting for the queue writer's backlog");
            }
            pauseMillis = Math.min(pauseMillis * 2, 50);
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
            close(connect(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Connections kept after a commit ({@link WriterProtocol}'s 'k'), per socket, the most
     * recently used first: a server process such as tcpserver's qmail-smtpd then pays no
     * connect, and the writer no accept and no peer lookup, per message.
     */
    private static final ConcurrentHashMap<Path, ConcurrentLinkedDeque<Link>> KEPT = new ConcurrentHashMap<>();
    /** Idle connections kept per socket: about as many as sessions commit at once. */
    static final int MAX_KEPT = 32;
    /** A kept connection idle longer is closed, not reused: well before the writer closes it. */
    static final long REUSE_NANOS = TimeUnit.SECONDS.toNanos(WriterProtocol.KEEP_IDLE_SECONDS / 3);

    /** A connection to the writer: the channel, its unbuffered output and its answers. */
    private record Link(SocketChannel ch, OutputStream out, AnswerInput in, long idleSince) {
        static Link connect(Path socket) throws IOException {
            SocketChannel ch = SocketQueueClient.connect(socket);
            return new Link(ch, Channels.newOutputStream(ch), new AnswerInput(Channels.newInputStream(ch)), 0);
        }

        Link idle(long now) { return new Link(ch, out, in, now); }

        void close() {
            try {
                SocketQueueClient.close(ch);
            } catch (IOException e) {
                // closed anyway
            }
        }
    }

    /** The writer's answers, with a look at what was read ahead. */
    private static final class AnswerInput extends BufferedInputStream {
        AnswerInput(InputStream in) { super(in, 64); }

        /** Nothing read past the last answer (a kept connection must carry nothing else). */
        synchronized boolean drained() { return pos >= count; }
    }

    /** A kept connection to reuse, or null; those idle too long are closed on the way. */
    private Link takeKept() {
        ConcurrentLinkedDeque<Link> kept = KEPT.get(socket);
        if (kept == null) return null;
        long now = System.nanoTime();
        for (Link l; (l = kept.peekLast()) != null && now - l.idleSince() > REUSE_NANOS; ) {
            if (kept.removeLastOccurrence(l)) l.close();
        }
        return kept.pollFirst();
    }

    private void keep(Link l) {
        ConcurrentLinkedDeque<Link> kept = KEPT.computeIfAbsent(socket, k -> new ConcurrentLinkedDeque<>());
        if (kept.size() < MAX_KEPT) kept.addFirst(l.idle(System.nanoTime()));
        else l.close();
    }

    @Override
    public Session open() throws IOException {
        // A one-message process (ownQp: bin/qmail-queue) would keep nothing worth having.
        Link kept = ownQp ? null : takeKept();
        SocketSession s = new SocketSession(kept != null ? kept : Link.connect(socket), kept != null);
        long pid = ProcessHandle.current().pid();
        WriterProtocol.writeHeader(s.request, pid, role, ownQp ? pid : 0, !ownQp);
        return s;
    }

    private final class SocketSession implements Session {
        private Link link;
        /** On a kept connection taken from the pool (cleared when a new connection replaces it). */
        private boolean reused;
        private final Request request = new Request();
        private final WriterProtocol.ChunkOutputStream chunks = new WriterProtocol.ChunkOutputStream(request);
        private final OutputStream message;
        private boolean failed;
        private boolean done;

        SocketSession(Link link, boolean reused) {
            this.link = link;
            this.reused = reused;
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

        /**
         * The kept connection was closed under this session (its writer stopped, or closed
         * it idle) before any of the message reached a writer: the same bytes go on a new one.
         */
        private void reconnect() throws IOException {
            reused = false;
            link.close();
            link = Link.connect(socket);
        }

        /**
         * The request's bytes to the writer, a buffer at a time. The buffer holds a whole small
         * message with its header, envelope and 'C', and is not overwritten after it went out
         * in one write, so that it can go again on a new connection ({@link #replayable}).
         */
        private final class Request extends OutputStream {
            private final byte[] buf = new byte[WriterProtocol.ChunkOutputStream.CHUNK + 1024];
            private int n;
            private int sends;
            /** Bytes of buf the first send carried; -1 if it did not come from buf. */
            private int firstLen = -1;

            @Override
            public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len > buf.length - n) flush();
                if (len >= buf.length) {
                    send(b, off, len, false);
                    return;
                }
                System.arraycopy(b, off, buf, n, len);
                n += len;
            }

            @Override
            public void flush() throws IOException {
                if (n == 0) return;
                send(buf, 0, n, true);
                n = 0;
            }

            private void send(byte[] b, int off, int len, boolean fromBuf) throws IOException {
                if (sends == 0 && reused) {
                    try {
                        link.out().write(b, off, len);
                    } catch (IOException e) {
                        reconnect();
                        link.out().write(b, off, len);
                    }
                } else {
                    link.out().write(b, off, len);
                }
                if (sends++ == 0 && fromBuf) firstLen = len;
            }

            /** The whole request went out in one write that buf still holds. */
            boolean replayable() { return sends == 1 && firstLen > 0 && n == 0; }
        }

        @Override
        public OutputStream message() { return message; }

        @Override
        public QueueResult commit(Envelope envelope) throws IOException {
            done = true;
            boolean keep = false;
            try {
                if (!failed) {
                    try {
                        chunks.close();
                        request.write(envelope.encode());
                        // The commit request goes with the envelope, not after the prepared
                        // answer: the writer still sends N first and reads 'C' only then, so
                        // nothing changes on its side, but it finds 'C' waiting instead of
                        // parking for one more round trip between the two processes.
                        request.write(WriterProtocol.COMMIT);
                        request.flush();
                    } catch (IOException e) {
                        failed = true;
                    }
                }
                WriterProtocol.Answer a;
                try {
                    a = WriterProtocol.readAnswer(link.in());
                } catch (IOException e) {
                    // Lost before the prepared answer: the writer commits only after sending
                    // it (and a Unix socket delivers what a dead peer wrote before the reset),
                    // so nothing can have been queued. A kept connection may have been closed
                    // as the request went out: then it goes once more, on a new connection.
                    if (!(reused && request.replayable())) return QueueResult.ofExit(QueueExit.COMMUNICATION.code());
                    try {
                        reconnect();
                        link.out().write(request.buf, 0, request.firstLen);
                        a = WriterProtocol.readAnswer(link.in());
                    } catch (IOException again) {
                        return QueueResult.ofExit(QueueExit.COMMUNICATION.code());
                    }
                }
                if (a instanceof WriterProtocol.Final(int exit)) return QueueResult.ofExit(exit);
                if (!(a instanceof WriterProtocol.Prepared prepared)) return QueueResult.ofExit(QueueExit.BUG.code());
                long n = prepared.number();
                long qp = ownQp ? ProcessHandle.current().pid() : n;
                try {
                    WriterProtocol.Answer last = WriterProtocol.readAnswer(link.in());
                    if (last instanceof WriterProtocol.Kept) {
                        keep = link.in().drained();
                        return QueueResult.queued(qp);
                    }
                    if (last instanceof WriterProtocol.Final(int exit)) {
                        return exit == 0 ? QueueResult.queued(qp) : QueueResult.ofExit(exit);
                    }
                    return QueueResult.ofExit(QueueExit.BUG.code());
                } catch (IOException e) {
                    QueueResult r = resolve(n, prepared.stamp());
                    return r.ok() ? r.withQp(qp) : r;
                }
            } finally {
                if (keep) keep(link);
                else link.close();
            }
        }

        @Override
        public void close() {
            if (done) return;
            done = true;
            link.close(); // abandoned: the writer sees end of input and removes what it made
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
                SocketChannel ch = connect(socket);
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
