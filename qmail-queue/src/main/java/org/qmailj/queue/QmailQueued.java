package org.qmailj.queue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.util.Set;
import org.qmailj.common.Exit;
import org.qmailj.common.FailFast;
import org.qmailj.common.Privileges;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.QueueLayout;
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
 */
public final class QmailQueued {
    private QmailQueued() {}

    public static void main(String[] args) {
        FailFast.install("qmail-queued");
        QmailHome home = QmailHome.current();
        try {
            QmailIds ids = QmailIds.read(home);
            Privileges.become("qmail-queued", home, Privileges.Role.QMAILQ);
            Umask.set(033);
            QueueLayout q = new QueueLayout(home.queue());
            searchable(q.root());
            searchable(q.lockDir());
            WriterSettings settings;
            try {
                settings = WriterSettings.from(System.getenv(), openFiles());
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage());
            }
            WriterServer server = WriterServer.bind(new QueueWriter(q, ReceivedLine.of(ids), Clock.systemUTC()), ids, settings);
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
        } catch (IOException | InterruptedException e) {
            System.err.println("qmail-queued: fatal: " + e.getMessage());
            Exit.now(Exit.SOFT);
        }
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
