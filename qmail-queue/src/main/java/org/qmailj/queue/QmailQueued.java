package org.qmailj.queue;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import org.qmailj.common.Exit;
import org.qmailj.common.FailFast;
import org.qmailj.common.Privileges;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Lock;
import org.qmailj.common.sys.Rlimit;
import org.qmailj.common.sys.Umask;

/**
 * qmail-queued - the queue writer daemon: qmail-queue's privileged half.
 *
 * <p>Started as root it becomes qmailq (uid and gid from lib/ids) before it opens anything;
 * started as another user (a sandbox) it stays that user. It listens on
 * {@code QMAIL_HOME/queue/lock/qmail-queue.sock} ({@link org.qmailj.common.queue.WriterProtocol})
 * and writes every message with {@link QueueWriter}. So that any local user can reach the
 * socket, as any user can run qmail's setuid qmail-queue, it adds the search bit for others to
 * {@code queue/} and {@code queue/lock/} (listing stays forbidden). No output on stdout;
 * errors on stderr; exits 111 when it cannot start. SIGTERM removes the socket and exits.
 * Budgets per client come from the environment ({@link WriterSettings}).
 *
 * <p>One writer per queue: a writer holds an exclusive flock on {@code queue/lock/qmail-queued}
 * for its whole life, and only the holder binds the socket, so two writers never remove each
 * other's socket. A writer that finds the lock held waits for it (saying so once on stderr):
 * a supervised qmail-queued started while qmail-start's own writer runs takes over when that
 * one stops.
 *
 * <p>{@code qmail-queued -e}: the writer qmail-start starts when nothing answers on the socket.
 * Its descriptor 0 is a pipe whose other end only qmail-send holds; end of file there (qmail-send
 * has exited, whatever the way) makes it remove the socket and exit 0, also while it waits for
 * the lock. So its life follows qmail-send's with no pid to watch and no signal to send.
 */
public final class QmailQueued {
    private QmailQueued() {}

    /** The lock file that makes a writer the only one of its queue. */
    static final String LOCK_NAME = "qmail-queued";

    public static void main(String[] args) {
        FailFast.install("qmail-queued");
        boolean followStdin = args.length == 1 && args[0].equals("-e");
        if (args.length > 0 && !followStdin) {
            System.err.println("qmail-queued: usage: qmail-queued [ -e ]");
            Exit.now(Exit.HARD);
        }
        QmailHome home = QmailHome.current();
        try {
            QmailIds ids = QmailIds.read(home);
            Privileges.become("qmail-queued", home, Privileges.Role.QMAILQ);
            Umask.set(033);
            if (followStdin) Thread.ofPlatform().daemon().name("qmail-queued stdin").start(QmailQueued::exitAtEndOfStdin);
            QueueLayout q = new QueueLayout(home.queue());
            Lock lock = onlyWriter(q.lockDir().resolve(LOCK_NAME));
            searchable(q.root());
            searchable(q.lockDir());
            WriterSettings settings;
            try {
                settings = WriterSettings.from(System.getenv(), openFiles());
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage());
            }
            WriterServer server = WriterServer.bind(new QueueWriter(q, ReceivedLine.of(ids), Clock.systemUTC(), true), ids, settings);
            WriterMetrics.serve(home, server, w -> System.err.println("qmail-queued: warning: " + w))
                    .ifPresent(m -> System.err.println("qmail-queued: metrics on " + m.address().getAddress().getHostAddress()
                            + ":" + m.address().getPort()));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (IOException e) {
                    // exiting anyway
                }
            }));
            server.start().join();
            lock.close(); // after the socket is gone
        } catch (IOException | InterruptedException e) {
            System.err.println("qmail-queued: fatal: " + e.getMessage());
            Exit.now(Exit.SOFT);
        }
    }

    /** Takes the writer lock, waiting (said once on stderr) while another writer holds it. */
    private static Lock onlyWriter(Path lockFile) throws IOException {
        Optional<Lock> lock = Lock.tryExclusive(lockFile);
        if (lock.isPresent()) return lock.get();
        System.err.println("qmail-queued: another queue writer runs (it holds " + lockFile + "); waiting for it to stop");
        return Lock.exclusive(lockFile);
    }

    /**
     * Exits 0 (the shutdown hook removes the socket) when descriptor 0 ends: qmail-send, which
     * holds the only write end, has exited. Data there is ignored.
     */
    private static void exitAtEndOfStdin() {
        byte[] buf = new byte[512];
        try (FileInputStream in = new FileInputStream(FileDescriptor.in)) {
            while (in.read(buf) >= 0) {
                // nothing is ever sent; only the end matters
            }
        } catch (IOException e) {
            // an unreadable descriptor 0 ends it too
        }
        System.exit(0);
    }

    /** The descriptor limit (the JVM has raised the soft limit to the hard one). */
    private static long openFiles() throws IOException {
        long soft = Rlimit.get(Rlimit.RLIMIT_NOFILE).soft();
        return soft == Rlimit.INFINITY ? Long.MAX_VALUE : soft;
    }

    private static void searchable(Path dir) throws IOException {
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir);
        if (p.add(PosixFilePermission.OTHERS_EXECUTE)) Files.setPosixFilePermissions(dir, p);
    }
}
