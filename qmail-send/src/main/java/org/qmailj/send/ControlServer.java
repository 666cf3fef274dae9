package org.qmailj.send;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Passwd;

/**
 * qmail-send's control channel: the Unix socket {@code queue/lock/qmail-send.ctl} (mode 0600,
 * owned by qmails) on which qmail-qctl asks for actions (README.md, "Control channel").
 *
 * <p>Clients are treated as hostile: the peer's uid comes from SO_PEERCRED and must be root or
 * qmail-send's own (qmails); at most {@link #CLIENTS} connections at once (more are closed at
 * once); the request is one line of at most {@link ControlRequest#MAX_LINE} bytes, read within
 * {@link #TIMEOUT_MS} and parsed on the connection's own thread. Only a parsed request reaches
 * the scheduler, as an {@link Event.Control}, so a slow or broken client never holds the
 * scheduler's loop; its answer is written under the same deadline.
 *
 * <p>Threads: one platform thread accepts; each connection runs on a virtual thread; one
 * timer thread closes connections past their deadline (which ends a blocked read or write).
 */
final class ControlServer implements AutoCloseable {
    static final int CLIENTS = 4;
    static final int TURNED_AWAY = 16;
    static final long BUSY_MS = 1000;
    static final long TIMEOUT_MS = 10_000;
    /** How long a client waits for the scheduler (which may be finishing a long step). */
    static final long ANSWER_MS = 60_000;
    /** What a refused client may still send before it is cut off. */
    static final long DRAIN = 1 << 20;
    static final String EXITING = "error qmail-send is exiting; nothing was done\n.\n";

    private final Path socket;
    private final ServerSocketChannel server;
    private final Set<Long> allowed;
    private final Semaphore clients = new Semaphore(CLIENTS);
    private final Semaphore turnedAway = new Semaphore(TURNED_AWAY);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "qmail-send control timeouts");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;
    /** Replies not yet given: qmail-send answers them "exiting" when it stops before it got to them. */
    private final Set<CompletableFuture<String>> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private ControlServer(Path socket, ServerSocketChannel server, Set<Long> allowed) {
        this.socket = socket;
        this.server = server;
        this.allowed = Set.copyOf(allowed);
    }

    static Path socket(QueueLayout queue) { return queue.lockDir().resolve("qmail-send.ctl"); }

    /**
     * Binds the socket, mode 0600, owned by {@code owner} (uid, gid) when not null. A socket
     * file nobody answers on is stale and removed; one that answers belongs to a running
     * qmail-send, and then nothing is bound (empty). {@code allowed}: the peer uids served.
     */
    static Optional<ControlServer> bind(Path socket, Set<Long> allowed, int[] owner) throws IOException {
        if (Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                return Optional.empty();
            } catch (IOException e) {
                Files.delete(socket);
            }
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket), 16);
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            if (owner != null) {
                Files.setAttribute(socket, "unix:gid", owner[1], java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(socket, "unix:uid", owner[0], java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e instanceof IOException io ? io : new IOException(e);
        }
        return Optional.of(new ControlServer(socket, server, allowed));
    }

    /**
     * The control channel of the qmail-send of {@code home}, bound before qmail-send becomes
     * qmails (qmails cannot create files in queue/lock): served to root and qmails. As root it
     * also makes queue/held/ (qmails, 0700) if missing. Empty when another qmail-send answers.
     */
    static Optional<ControlServer> open(org.qmailj.common.QmailHome home, QueueLayout queue) throws IOException {
        var qmails = org.qmailj.common.Privileges.target(home, org.qmailj.common.Privileges.Role.QMAILS);
        int[] owner = null;
        if (org.qmailj.common.sys.Proc.geteuid() == 0) {
            owner = new int[] {qmails.uid(), qmails.gid()};
            Path held = QueueActions.heldDir(queue);
            if (!Files.isDirectory(held)) {
                Files.createDirectory(held, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Files.setAttribute(held, "unix:gid", owner[1]);
                Files.setAttribute(held, "unix:uid", owner[0]);
            }
        }
        Set<Long> allowed = new java.util.HashSet<>(List.of(0L, (long) qmails.uid()));
        if (owner == null) return bind(socket(queue), allowed, owner);
        // As root at start, before any other thread: the socket is born 0600, not opened up
        // for the moment between bind and chmod.
        int old = org.qmailj.common.sys.Umask.set(077);
        try {
            return bind(socket(queue), allowed, owner);
        } finally {
            org.qmailj.common.sys.Umask.set(old);
        }
    }

    Path socket() { return socket; }

    /** Starts accepting; requests go to {@code events}. */
    void start(BlockingQueue<Event> events) {
        Thread.ofPlatform().name("qmail-send control").daemon(true).start(() -> acceptLoop(events));
    }

    private void acceptLoop(BlockingQueue<Event> events) {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (closed) return;
                try {
                    Thread.sleep(100); // EMFILE and the like: do not spin
                } catch (InterruptedException x) {
                    return;
                }
                continue;
            }
            if (!clients.tryAcquire()) {
                turnAway(ch);
                continue;
            }
            try {
                Thread.ofVirtual().name("qmail-send control client").start(() -> {
                    try {
                        serve(ch, events);
                    } finally {
                        // The slot is free before the client sees the end of its answer, so
                        // a client that connects next always finds it.
                        clients.release();
                        closeQuietly(ch);
                    }
                });
            } catch (RuntimeException | Error e) {
                clients.release();
                closeQuietly(ch);
                throw e;
            }
        }
    }

    /**
     * A client over {@link #CLIENTS}: told "busy" on a thread of its own, within
     * {@link #BUSY_MS}; past {@link #TURNED_AWAY} such threads, closed at once.
     */
    private void turnAway(SocketChannel ch) {
        if (!turnedAway.tryAcquire()) {
            closeQuietly(ch);
            return;
        }
        ScheduledFuture<?> deadline = timer.schedule(() -> closeQuietly(ch), BUSY_MS, TimeUnit.MILLISECONDS);
        Thread.ofVirtual().name("qmail-send control busy").start(() -> {
            try (ch) {
                refuse(ch, "error busy\n.\n");
            } catch (IOException e) {
                // gone or past its deadline
            } finally {
                deadline.cancel(false);
                turnedAway.release();
            }
        });
    }

    private void serve(SocketChannel ch, BlockingQueue<Event> events) {
        ScheduledFuture<?> deadline = timer.schedule(() -> closeQuietly(ch), TIMEOUT_MS, TimeUnit.MILLISECONDS);
        try { // the caller closes ch
            Optional<Long> uid = peerUid(ch);
            if (uid.isEmpty() || !allowed.contains(uid.get())) {
                refuse(ch, "error permission denied\n.\n");
                return;
            }
            byte[] line = new byte[ControlRequest.MAX_LINE];
            int len = readLine(ch, line);
            if (len == -2) {
                refuse(ch, "error request too long\n.\n");
                return;
            }
            if (len < 0) return; // closed early or timed out
            Optional<ControlRequest> req = ControlRequest.parse(line, len);
            if (req.isEmpty()) {
                refuse(ch, "error bad request\n.\n");
                return;
            }
            deadline.cancel(false);
            CompletableFuture<String> reply = new CompletableFuture<>();
            pending.add(reply);
            if (closed) reply.complete(EXITING);
            events.add(new Event.Control(req.get(), reply));
            String answer;
            try {
                answer = reply.get(ANSWER_MS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                answer = "error qmail-send did not answer in time; the request may still be carried out\n.\n";
            } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                answer = "error internal error\n.\n";
            } finally {
                pending.remove(reply);
            }
            deadline = timer.schedule(() -> closeQuietly(ch), TIMEOUT_MS, TimeUnit.MILLISECONDS);
            write(ch, answer);
        } catch (IOException e) {
            // the client went away or hit its deadline
        } finally {
            deadline.cancel(false);
        }
    }

    /** Reads up to the first newline: its length without the newline, -1 at end of stream, -2 if too long. */
    private static int readLine(SocketChannel ch, byte[] line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(line);
        int scanned = 0;
        while (true) {
            for (; scanned < b.position(); scanned++) if (line[scanned] == '\n') return scanned;
            if (!b.hasRemaining()) return -2;
            if (ch.read(b) < 0) return -1;
        }
    }

    /**
     * Answers a refused request, then reads and discards what the client still sends (at most
     * {@link #DRAIN} bytes, within the deadline): closing on unread data would reset the
     * connection, and the client would not see why it was refused.
     */
    private static void refuse(SocketChannel ch, String answer) throws IOException {
        write(ch, answer);
        ch.shutdownOutput();
        ByteBuffer sink = ByteBuffer.allocate(8192);
        long drained = 0;
        int n;
        while (drained < DRAIN && (n = ch.read(sink)) >= 0) {
            drained += n;
            sink.clear();
        }
    }

    private static void write(SocketChannel ch, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) ch.write(b);
    }

    /** The peer's uid by SO_PEERCRED: the JDK reports a user name (or the number when it has none). */
    private static Optional<Long> peerUid(SocketChannel ch) {
        try {
            UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            String name = p.user().getName();
            if (!name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9')) return Optional.of(Long.parseLong(name));
            return Passwd.getpwnam(name).map(pw -> (long) pw.uid());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        for (CompletableFuture<String> f : pending) f.complete(EXITING);
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // a stale socket is removed at the next start
        }
        timer.shutdownNow();
    }
}
