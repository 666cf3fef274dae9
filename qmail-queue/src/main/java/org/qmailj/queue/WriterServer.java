package org.qmailj.queue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.qmailj.clean.QmailClean;
import org.qmailj.common.FailFast;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.QueueExit;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.common.sys.Passwd;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.threads.SessionThreads;

/**
 * The queue writer daemon's server: accepts connections on {@code queue/lock/qmail-queue.sock}
 * and writes each message with {@link QueueWriter}, speaking {@link WriterProtocol}. The
 * caller's uid comes from SO_PEERCRED (the user name the kernel reports, mapped through
 * getpwnam), never from the client.
 *
 * <p>A connection carries one message, or message after message when the client asks to keep
 * it ({@link WriterProtocol}'s 'k', answered 'Y'); a kept connection waiting for its next
 * request is closed after {@link WriterProtocol#KEEP_IDLE_SECONDS} and by {@link #close}.
 *
 * <p>Budgets ({@link WriterSettings}): connections per uid and in all, with a reserve for
 * qmail's own uids ({@link ConnectionBudget}); a connection over budget is answered 71 ("mail
 * server temporarily rejected message") and closed at once. The message and the envelope are
 * streamed to the queue files, so a connection holds a few buffers whatever it sends. Every
 * read has a timeout; a client that stalls is dropped and its files removed.
 *
 * <p>Truth after 'P': once a client that may still ask was told N, intd/N goes only by a
 * commit (qmail-send takes the message); an undo empties it instead
 * ({@link QueueWriter.Staged#withdraw}), so that a resolve, by this writer or one restarted
 * after a kill, may read a missing intd/N as "committed" and an empty one as "not queued".
 *
 * <p>Threads: one platform thread accepts (pausing after an error, 10 ms doubling to 1 s, as
 * with too many open files it would otherwise spin); one sweeps read deadlines; each
 * connection runs on one of up to 32 reused platform threads, past those on a virtual thread
 * of its own ({@link SessionThreads}: the kernel wakes a platform thread's read directly). An
 * Error (out of memory) in any of them removes that connection's files, drops the connections
 * that were not yet told their number (they remove theirs), and exits 111 for supervise to
 * restart a sound JVM.
 */
public final class WriterServer implements AutoCloseable {
    static final String PROGRAM = "qmail-queued";
    /** qmail-queue gives up after 24 hours; so does a connection here. */
    static final long DEATH_NANOS = TimeUnit.HOURS.toNanos(24);

    private final QueueWriter writer;
    private final QmailIds ids;
    private final Path socket;
    private final ServerSocketChannel server;
    private final WriterSettings settings;
    private final ConnectionBudget budget;
    private final Set<Connection> live = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<Long, Object> inFlight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, KnownUid> knownUids = new ConcurrentHashMap<>();
    /**
     * Accepted connections whose uid is not yet known: the accept loop takes a permit first,
     * so a flood waits in the kernel's backlog instead of holding descriptors here.
     */
    private final Semaphore triage = new Semaphore(TRIAGE);
    static final int TRIAGE = 64;
    private final AtomicBoolean dying = new AtomicBoolean();
    private final AtomicLong refused = new AtomicLong();
    private final WriterMetrics metrics = new WriterMetrics();
    private final SessionThreads threads =
            SessionThreads.forSockets("qmail-queued connection", SessionThreads.bound("qmail.platformThreads", 32));
    private final LogGate refusalLog = new LogGate(TimeUnit.SECONDS.toNanos(1));
    private final AtomicLong failures = new AtomicLong();
    /** The connections' read buffers (PooledInput), kept for the next connection: 512 KiB at most. */
    private final BufferPool inputBuffers = new BufferPool(8192, 64);
    private final LogGate failureLog = new LogGate(TimeUnit.SECONDS.toNanos(1));
    private volatile boolean closed;
    private volatile Thread acceptThread;

    private WriterServer(QueueWriter writer, QmailIds ids, Path socket, ServerSocketChannel server, WriterSettings settings) {
        this.writer = writer;
        this.ids = ids;
        this.socket = socket;
        this.server = server;
        this.settings = settings;
        this.budget = new ConnectionBudget(settings, reservedUids(ids));
    }

    /** The uids of root and of qmail's own injectors and writer, from lib/ids. */
    static Set<Long> reservedUids(QmailIds ids) {
        Set<Long> s = new HashSet<>();
        s.add(0L);
        for (String role : new String[] {"alias", "qmaild", "qmails", "qmailq"}) {
            try {
                s.add((long) ids.uid(role));
            } catch (IOException e) {
                // a role lib/ids does not name reserves nothing
            }
        }
        return s;
    }

    public static WriterServer bind(QueueWriter writer, QmailIds ids) throws IOException {
        return bind(writer, ids, WriterSettings.forOpenFiles(1024));
    }

    /**
     * Binds the socket (mode 0666: any local user may inject, as with qmail's setuid
     * qmail-queue). A stale socket file is removed; a live one means another writer runs.
     */
    public static WriterServer bind(QueueWriter writer, QmailIds ids, WriterSettings settings) throws IOException {
        Path socket = WriterProtocol.socket(writer.layout());
        if (Files.exists(socket)) {
            if (new SocketQueueClient(socket).answers()) throw new IOException("another queue writer listens on " + socket);
            Files.delete(socket);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket), 256);
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        return new WriterServer(writer, ids, socket, server, settings);
    }

    public Path socket() { return socket; }

    public WriterSettings settings() { return settings; }

    WriterMetrics metrics() { return metrics; }

    /** Connections admitted and not yet ended. */
    int connections() { return live.size(); }

    /** Starts the accept loop on a platform thread named "qmail-queue accept", and the sweeper. */
    public Thread start() {
        Thread.ofPlatform().name("qmail-queue timeouts").daemon(true).start(this::sweepLoop);
        acceptThread = Thread.ofPlatform().name("qmail-queue accept").daemon(false).start(this::acceptLoop);
        return acceptThread;
    }

    private void acceptLoop() {
        long pauseMillis = 0;
        long acceptErrors = 0;
        LogGate acceptLog = new LogGate(TimeUnit.SECONDS.toNanos(10));
        while (!closed) {
            SocketChannel ch;
            try {
                triage.acquire();
            } catch (InterruptedException e) {
                return;
            }
            try {
                ch = server.accept();
                pauseMillis = 0;
            } catch (IOException e) {
                triage.release();
                if (closed) return;
                if (dying.get()) {
                    awaitDeath();
                    return;
                }
                // EMFILE and friends: accept would fail again at once. Pause, then retry.
                acceptErrors++;
                if (acceptLog.open()) {
                    System.err.println(PROGRAM + ": warning: unable to accept: " + e.getMessage() + "; pausing ("
                            + acceptErrors + " failed accepts so far)");
                }
                pauseMillis = Math.clamp(pauseMillis * 2, 10, 1000);
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException x) {
                    return;
                }
                continue;
            } catch (Error e) {
                triage.release();
                fatal(e);
                return;
            }
            try {
                threads.start(() -> serve(ch));
            } catch (Error e) {
                triage.release();
                closeQuietly(ch);
                fatal(e);
                return;
            }
        }
    }

    private void sweepLoop() {
        long timeout = settings.readTimeout().toNanos();
        long period = Math.clamp(timeout / 4, TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(1));
        while (!closed) {
            try {
                TimeUnit.NANOSECONDS.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Connection c : live) c.sweep(now, timeout, DEATH_NANOS);
        }
    }

    /**
     * The peer's uid. The JDK reports SO_PEERCRED's uid as a user name (getpwuid), or as the
     * number itself when there is no name or the lookup fails (as it does when descriptors run
     * out); names map back through getpwnam, remembered for a minute so that a flood costs no
     * passwd lookups. All-digit names are numbers: useradd refuses such names.
     */
    private Optional<Long> peerUid(SocketChannel ch) {
        try {
            UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            String name = p.user().getName();
            if (!name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9')) return Optional.of(Long.parseLong(name));
            long now = System.nanoTime();
            KnownUid k = knownUids.get(name);
            if (k != null && now - k.sinceNanos() < TimeUnit.MINUTES.toNanos(1)) return Optional.of(k.uid());
            var pw = Passwd.getpwnam(name);
            if (pw.isEmpty()) return Optional.empty();
            if (knownUids.size() >= 4096) knownUids.clear();
            knownUids.put(name, new KnownUid(pw.get().uid(), now));
            return Optional.of((long) pw.get().uid());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private record KnownUid(long uid, long sinceNanos) {}

    private void serve(SocketChannel ch) {
        boolean triaged = false;
        try (ch) {
            OutputStream out = Channels.newOutputStream(ch);
            Optional<Long> uid = peerUid(ch);
            if (uid.isEmpty()) {
                WriterProtocol.writeFinal(out, QueueExit.BUG.code());
                return;
            }
            if (dying.get() || !budget.acquire(uid.get())) {
                refuse(uid.get(), out);
                return;
            }
            triage.release();
            triaged = true;
            Connection c = new Connection(ch, uid.get());
            live.add(c);
            metrics.admitted.increment();
            PooledInput in = new PooledInput(c.input(), inputBuffers);
            try {
                boolean clean = false;
                try {
                    int request = in.read();
                    if (request < 0) return; // a probe
                    if (request == WriterProtocol.RESOLVE) {
                        resolve(uid.get(), WriterProtocol.readNumber(in), WriterProtocol.NO_STAMP, out);
                    } else if (request == WriterProtocol.RESOLVE_STAMPED) {
                        long n = WriterProtocol.readNumber(in);
                        long stamp = WriterProtocol.readNumber(in);
                        if (stamp < 0) WriterProtocol.writeFinal(out, QueueExit.BUG.code());
                        else resolve(uid.get(), n, stamp, out);
                    } else if (request == WriterProtocol.INJECT) {
                        while (inject(c, in, out)) {
                            // Kept ('k'): the next request is another message, or the end.
                            int next = c.awaitRequest(in, () -> closed);
                            if (next < 0) break;
                            if (next != WriterProtocol.INJECT) {
                                WriterProtocol.writeFinal(out, QueueExit.BUG.code());
                                break;
                            }
                        }
                    } else if (request == WriterProtocol.CLEAN && cleans(uid.get())) {
                        clean = true;
                    } else {
                        WriterProtocol.writeFinal(out, QueueExit.BUG.code());
                    }
                } finally {
                    // A clean session leaves the budget and the sweeper's set: it lasts as long as
                    // qmail-send, and it waits for work.
                    live.remove(c);
                    budget.release(uid.get());
                }
                if (clean) clean(uid.get(), in, out);
            } finally {
                in.release(); // a probe's return included
            }
        } catch (IOException e) {
            // the client went away or stalled; inject() has removed what it made
        } catch (RuntimeException e) {
            // A bug in this connection's handling; inject() has removed what it made.
            System.err.println(PROGRAM + ": warning: internal error: " + e);
        } catch (Error e) {
            fatal(e);
        } finally {
            if (!triaged) triage.release(); // after the close: the descriptor is free
        }
    }

    /** Who may have a clean session: root (qmail-start) and this writer's own uid (a sandbox). */
    private static boolean cleans(long uid) {
        return uid == 0 || uid == Proc.getuid();
    }

    /**
     * qmail-clean(8) on this connection until qmail-send closes it ({@link WriterProtocol}'s
     * 'K'); the commands are checked as qmail-clean checks them.
     */
    private void clean(long uid, InputStream in, OutputStream out) throws IOException {
        // Counted before the answer: a peer that reads 0 sees itself in the metric.
        metrics.cleanSessions.increment();
        try {
            WriterProtocol.writeFinal(out, 0);
            System.err.println(PROGRAM + ": info: serving qmail-clean for uid " + uid);
            QmailClean.session(writer.layout(), in, out);
        } finally {
            metrics.cleanSessions.decrement();
        }
    }

    /**
     * A message the queue refused (its client hears the exit code): counted, and logged at most
     * once a second with the cause, which the client's "qq trouble creating files" does not tell.
     */
    private void failed(QueueFailure f) {
        metrics.failed.increment();
        // Bad envelopes and input that ends early are the client's; the rest are the queue's,
        // and only those are logged and counted in the line.
        if (f.exit() == QueueExit.READ_ERROR || f.exit() == QueueExit.ENVELOPE_FORMAT || f.exit() == QueueExit.ADDRESS_TOO_LONG) return;
        long n = failures.incrementAndGet();
        if (failureLog.open()) {
            System.err.println(PROGRAM + ": warning: message refused, exit " + f.exit().code() + ": " + f.getMessage() + " ("
                    + n + " refused so far)");
        }
    }

    /** Over budget: 71, temporary, which every injector reports as such. Logged at most once a second. */
    private void refuse(long uid, OutputStream out) {
        long n = refused.incrementAndGet();
        metrics.refused(!budget.isReserved(uid) && budget.held(uid) >= settings.perUid());
        if (refusalLog.open()) {
            System.err.println(PROGRAM + ": warning: refusing connections over budget (" + n + " so far), latest from uid "
                    + uid + " holding " + budget.held(uid) + (budget.isReserved(uid) ? " (reserved uid)" : "")
                    + "; limits " + settings.connections() + " in all, " + settings.perUid() + " per uid");
        }
        try {
            WriterProtocol.writeFinal(out, QueueExit.TEMP_REFUSED.code());
        } catch (IOException e) {
            // gone already
        }
    }

    private void resolve(long uid, long n, long stamp, OutputStream out) throws IOException {
        Object mark = new Object();
        while (inFlight.putIfAbsent(n, mark) != null) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
        try {
            boolean queued = writer.resolve(n, uid, stamp);
            WriterProtocol.writeFinal(out, queued ? 0 : QueueExit.COMMUNICATION.code());
        } finally {
            inFlight.remove(n, mark);
        }
    }

    /**
     * One message; true if it was committed and its header asked to keep the connection, which
     * may then carry another.
     */
    private boolean inject(Connection c, InputStream in, OutputStream out) throws IOException {
        WriterProtocol.Header h = WriterProtocol.readHeader(in);
        String role = h.role();
        if (role != null && !roleMatches(role, c.uid)) role = null;
        QueueWriter.Staged s;
        try {
            s = writer.stage(new QueueWriter.Origin(c.uid, h.pid(), role, h.qp()), new WriterProtocol.ChunkInputStream(in));
        } catch (QueueFailure f) {
            failed(f);
            WriterProtocol.writeFinal(out, f.exit().code());
            return false;
        }
        Object mark = new Object();
        inFlight.put(s.number(), mark);
        boolean settled = false;
        try {
            try {
                s.intd(in);
            } catch (QueueFailure f) {
                settled = true; // intd() removed what was made
                failed(f);
                WriterProtocol.writeFinal(out, f.exit().code());
                return false;
            }
            // Prepared before the client can hear N: fatal() drops only connections not yet
            // prepared, and a client that heard N must find its files for its resolve.
            c.prepared = true;
            long stamp = h.stamps() ? s.stamp() : WriterProtocol.NO_STAMP;
            if (stamp == WriterProtocol.NO_STAMP) WriterProtocol.writeNumber(out, WriterProtocol.PREPARED, s.number());
            else WriterProtocol.writeStamped(out, WriterProtocol.PREPARED_STAMPED, s.number(), stamp);
            int cmd;
            try {
                cmd = in.read();
            } catch (IOException e) {
                cmd = -1; // reset (the client died) or closed by the sweeper (timedOut)
            }
            if (cmd != WriterProtocol.COMMIT) {
                // Stalled after 'P': the client may yet send 'C', fail, and resolve N; it must
                // hear "not queued" whatever happens to this writer meanwhile, so N is withdrawn
                // on disk. A client that closed its end or broke the protocol resolves nothing
                // (ours sends 'C' before it closes): its files go, so that it cannot fill the
                // queue with withdrawn files faster than one per read timeout per connection.
                if (c.timedOut()) s.withdraw();
                else s.abort();
                settled = true;
                metrics.aborted.increment();
                return false;
            }
            try {
                s.link();
            } catch (QueueFailure f) {
                settled = true;
                failed(f);
                WriterProtocol.writeFinal(out, f.exit().code());
                return false;
            }
            settled = true;
            metrics.committed(s);
            if (settings.killAfterCommit()) Proc.kill(Proc.getpid(), Proc.SIGKILL);
            if (!h.keep()) {
                WriterProtocol.writeFinal(out, 0);
                return false;
            }
            WriterProtocol.writeKept(out);
            return true;
        } catch (Error e) {
            // Out of memory after 'P' leaves intd/N whole for the client's resolve, which
            // withdraws it (nothing to allocate here); before 'P', remove.
            if (!settled && !c.prepared) s.abort();
            settled = true;
            throw e;
        } finally {
            if (!settled) {
                metrics.aborted.increment();
                if (c.prepared) s.withdraw();
                else s.abort();
            }
            inFlight.remove(s.number(), mark);
        }
    }

    private boolean roleMatches(String role, long uid) {
        try {
            return switch (role) {
                case "alias", "qmaild", "qmails" -> ids.uid(role) == uid;
                default -> false;
            };
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The JVM is broken (out of memory): stop accepting, drop the connections not yet told
     * their number (their threads remove their files), give them a moment, and exit 111.
     */
    private void fatal(Error e) {
        if (!dying.compareAndSet(false, true)) awaitDeath(); // another thread is ending the JVM
        Thread self = Thread.currentThread();
        try {
            // Not "closed": the accept thread must not end (main() would return and the JVM
            // exit 0 before the connections are dropped); it waits for the halt instead.
            closeQuietly(server);
            for (Connection c : live) if (!c.prepared) c.close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < deadline && live.stream().anyMatch(c -> !c.prepared)) Thread.sleep(10);
        } catch (Throwable t) {
            // exiting anyway
        }
        FailFast.die(PROGRAM, self, e);
    }

    private static void awaitDeath() {
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // the halt ends this
            }
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        // Kept connections waiting for another message would otherwise still be served by a
        // writer that has stopped (their clients send it again on a new connection).
        for (Connection c : live) c.closeIfIdle();
        Thread a = acceptThread;
        if (a != null) a.interrupt(); // it may wait for a triage permit
        Files.deleteIfExists(socket);
    }
}
