package org.qmailj.queue;

import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Clock;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.EnvelopeFormatException;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueExit;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.Prot;
import org.qmailj.common.sys.Umask;

/**
 * qmail-queue - queue a mail message for delivery.
 *
 * <p>Reads the message on descriptor 0 and the envelope on descriptor 1 (qmail-queue(8)) and
 * exits 0 when the message is queued, or with one of the man page's exit codes. It is a thin
 * client of the queue writer daemon (qmail-queued) on {@code queue/lock/qmail-queue.sock}.
 * When no writer listens, a caller that owns the queue (root, qmailq, or the owner of queue/,
 * as in a sandbox) writes the files itself with the same {@link QueueWriter}; anyone else gets
 * exit 56 (temporary: "trouble making network connection") and a message on stderr.
 * Runs on the main thread; gives up with exit 52 after 24 hours, as qmail-queue does.
 */
public final class QmailQueue {
    private QmailQueue() {}

    public static void main(String[] args) {
        Thread.ofPlatform().daemon().name("qmail-queue alarm").start(() -> {
            try {
                Thread.sleep(86_400_000L);
                Exit.now(QueueExit.TIMEOUT.code());
            } catch (InterruptedException e) {
                // exiting
            }
        });
        int exit = run(QmailHome.current(), new FileInputStream(FileDescriptor.in),
                new FileInputStream(FileDescriptor.out), System.err, true);
        Exit.now(exit);
    }

    static int run(QmailHome home, InputStream message, InputStream envelope, PrintStream err) {
        return run(home, message, envelope, err, false);
    }

    /**
     * {@code become} (main only, never a test JVM): writing the queue itself, set the umask,
     * and as root first take qmailq's uid.
     */
    static int run(QmailHome home, InputStream message, InputStream envelope, PrintStream err, boolean become) {
        if (!Files.isDirectory(home.root())) return QueueExit.HOME.code();
        envelope = new BufferedInputStream(envelope, 8192); // nothing follows the envelope on fd 1
        QueueLayout q = new QueueLayout(home.queue());
        // One process per message: its caller reports this pid as the qp, so the writer records it.
        SocketQueueClient socket = new SocketQueueClient(WriterProtocol.socket(q), null, 30_000, true);
        QueueClient.Session session;
        try {
            session = socket.open();
        } catch (IOException e) {
            return direct(home, q, message, envelope, err, become);
        }
        try (session) {
            try {
                message.transferTo(session.message());
            } catch (IOException e) {
                return QueueExit.READ_ERROR.code();
            }
            Envelope env;
            try {
                env = Envelope.read(envelope);
            } catch (EnvelopeFormatException e) {
                return e.exit().code();
            } catch (IOException e) {
                return QueueExit.READ_ERROR.code();
            }
            try {
                return session.commit(env).exit();
            } catch (IOException e) {
                return QueueExit.COMMUNICATION.code();
            }
        }
    }

    private static int direct(QmailHome home, QueueLayout q, InputStream message, InputStream envelope, PrintStream err,
            boolean become) {
        // C qmail-queue's umask(033), for the files this process writes itself; the socket path
        // writes none. Set here rather than first in main: it is a downcall, and the first
        // downcall of a JVM links the FFM machinery (~50 ms of a bin/qmail-queue call).
        if (become) Umask.set(033);
        QmailIds ids;
        ReceivedLine received;
        try {
            ids = QmailIds.read(home);
            received = ReceivedLine.of(ids);
        } catch (IOException e) {
            return QueueExit.CONFIG.code();
        }
        int uid = Proc.getuid();
        int euid = Proc.geteuid();
        long owner;
        try {
            owner = ((Number) Files.getAttribute(q.root(), "unix:uid")).longValue();
        } catch (IOException e) {
            return QueueExit.QUEUE_DIR.code();
        }
        boolean ownsQueue = euid == 0 || euid == owner || euid == uidOrMinus(ids, "qmailq");
        if (!ownsQueue) {
            err.println("qmail-queue: the queue writer is not running (nothing answers on "
                    + WriterProtocol.socket(q) + ") and uid " + euid
                    + " may not write the queue itself: start qmail-queued");
            return QueueExit.NETWORK.code();
        }
        if (become && euid == 0) {
            String problem = becomeQmailq(ids);
            if (problem != null) {
                err.println("qmail-queue: " + problem);
                return QueueExit.BUG.code();
            }
        }
        QueueWriter writer = new QueueWriter(q, received, Clock.systemUTC());
        try {
            QueueWriter.Staged s = writer.stage(new QueueWriter.Origin(uid, Proc.getpid(), null), message);
            s.intd(envelope);
            s.link();
            return 0;
        } catch (QueueFailure f) {
            return f.exit().code();
        }
    }

    /**
     * As C qmail-queue, setuid qmailq (mode 4711, not setgid): the uid becomes qmailq (real,
     * effective and saved, checked), the gid and groups stay the caller's, so the files are
     * qmailq's with the caller's gid, mode 0644, exactly as there, and qmail-lspawn and
     * qmail-rspawn accept them (they refuse a message not owned by qmailq: "message has wrong
     * owner"). A sandbox installed by root may map qmailq to root: nothing changes then.
     * Null on success, else the reason.
     */
    private static String becomeQmailq(QmailIds ids) {
        try {
            int uidq = ids.uid("qmailq");
            if (uidq == 0) return null;
            Prot.uid(uidq);
            Proc.Ids u = Proc.getresuid();
            return u.all(uidq) ? null : "unable to become qmailq (uid " + uidq + "): real/effective/saved uid is " + u;
        } catch (IOException e) {
            return "unable to become qmailq: " + e.getMessage();
        }
    }

    private static int uidOrMinus(QmailIds ids, String user) {
        try {
            return ids.uid(user);
        } catch (IOException e) {
            return -1;
        }
    }
}
