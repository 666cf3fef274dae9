package org.qmailj.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueExit;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.TodoRecord;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.Fsync;

/**
 * Writes one message into the queue exactly as qmail-queue does (qmail-queue(8), INTERNALS.md,
 * FORMATS.md), in three steps so that a socket peer can confirm before the commit point:
 *
 * <ol>
 * <li>{@link #stage}: create {@code pid/PID.TIME.SEQ} exclusively, take its inode N, link it
 *     to {@code mess/S/N}, unlink the pid name, write the Received line and the message,
 *     fsync the file and the directory {@code mess/S}.
 * <li>{@link Staged#intd}: create {@code intd/N} exclusively, write {@code u}, {@code p},
 *     {@code F}, {@code T} records, fsync.
 * <li>{@link Staged#link}: hard-link {@code intd/N} to {@code todo/N} (the commit point), fsync
 *     {@code todo/} and {@code intd/}, then pull {@code lock/trigger}.
 * </ol>
 *
 * Any failure before the commit point truncates and unlinks what was made and throws a
 * {@link QueueFailure} carrying qmail-queue's exit code. Used by bin/qmail-queue's direct path
 * and by the queue writer daemon, one {@link Staged} per message. Thread-safe: every call works
 * on its own files; only the pid-name sequence is shared.
 */
public final class QueueWriter {
    private static final Set<java.nio.file.attribute.PosixFilePermission> MODE_0644 =
            PosixFilePermissions.fromString("rw-r--r--");

    private final QueueLayout queue;
    private final ReceivedLine received;
    private final Clock clock;
    private final long ownPid = ProcessHandle.current().pid();
    private final AtomicLong seq = new AtomicLong();

    public QueueWriter(QueueLayout queue, ReceivedLine received, Clock clock) {
        this.queue = queue;
        this.received = received;
        this.clock = clock;
    }

    public QueueLayout layout() { return queue; }

    /** Who asked: the uid (from the kernel), the pid and optional role the caller stated. */
    public record Origin(long uid, long pid, String role) {}

    /**
     * Writes the message file; {@code message} is read to its end. The returned {@link Staged}
     * must be linked or aborted.
     */
    public Staged stage(Origin origin, InputStream message) throws QueueFailure {
        Path pidFile = null;
        FileChannel ch = null;
        long now = clock.instant().getEpochSecond();
        for (int tries = 0; ch == null; tries++) {
            pidFile = queue.pidDir().resolve(ownPid + "." + now + "." + seq.incrementAndGet());
            try {
                ch = FileChannel.open(pidFile, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(MODE_0644));
            } catch (FileAlreadyExistsException e) {
                if (tries >= 8) throw new QueueFailure(QueueExit.PID_DIR, "unable to create a file in pid/", e);
            } catch (IOException e) {
                throw new QueueFailure(QueueExit.PID_DIR, "unable to create " + pidFile + ": " + e.getMessage(), e);
            }
        }
        Staged s = new Staged(origin);
        try {
            long n;
            try {
                n = (Long) Files.getAttribute(pidFile, "unix:ino");
            } catch (IOException e) {
                throw new QueueFailure(QueueExit.PID_DIR, "unable to stat " + pidFile, e);
            }
            s.number = n;
            try {
                Files.createLink(queue.mess(n), pidFile);
                s.mess = queue.mess(n);
            } catch (IOException e) {
                throw new QueueFailure(QueueExit.MESS_DIR, "unable to link " + queue.mess(n) + ": " + e.getMessage(), e);
            }
            try {
                Files.delete(pidFile);
                pidFile = null;
            } catch (IOException e) {
                throw new QueueFailure(QueueExit.PID_DIR, "unable to unlink the pid file", e);
            }
            write(ch, ByteBuffer.wrap(received.line(origin.pid(), origin.uid(), origin.role(), clock.instant())));
            copy(message, ch);
            try {
                ch.force(true);
                ch.close();
                Fsync.dir(queue.mess(n).getParent());
            } catch (IOException e) {
                throw new QueueFailure(QueueExit.WRITE_ERROR, "unable to sync the message: " + e.getMessage(), e);
            }
            return s;
        } catch (QueueFailure | RuntimeException e) {
            closeQuietly(ch);
            if (pidFile != null) deleteQuietly(pidFile, true);
            s.abort();
            throw e;
        }
    }

    private static void copy(InputStream in, FileChannel ch) throws QueueFailure {
        byte[] buf = new byte[65536];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        while (true) {
            int r;
            try {
                r = in.read(buf);
            } catch (IOException e) {
                throw new QueueFailure(QueueExit.READ_ERROR, "unable to read the message: " + e.getMessage(), e);
            }
            if (r < 0) return;
            bb.clear().limit(r);
            write(ch, bb);
        }
    }

    private static void write(FileChannel ch, ByteBuffer bb) throws QueueFailure {
        try {
            while (bb.hasRemaining()) ch.write(bb);
        } catch (IOException e) {
            throw new QueueFailure(QueueExit.WRITE_ERROR, "unable to write the queue: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException e) {
            // it is being thrown away
        }
    }

    /** Truncates then unlinks, as qmail-queue's cleanup does. */
    private static void deleteQuietly(Path p, boolean truncate) {
        if (truncate) {
            try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
                c.truncate(0);
            } catch (IOException e) {
                // unlink anyway
            }
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // left for qmail-send's 36-hour junk cleanup
        }
    }

    /**
     * After {@link Staged#intd} had failed or the daemon was killed: finishes or undoes message
     * N for a caller of uid {@code uid}. Returns true if {@code todo/N} exists (the message is
     * queued); otherwise removes {@code intd/N} and {@code mess/S/N} if intd/N belongs to
     * {@code uid}, and returns false.
     */
    public boolean resolve(long n, long uid) throws IOException {
        if (Files.exists(queue.todo(n))) return true;
        byte[] data;
        try {
            data = Files.readAllBytes(queue.intd(n));
        } catch (NoSuchFileException e) {
            return Files.exists(queue.todo(n));
        }
        TodoRecord r;
        try {
            r = TodoRecord.decode(data);
        } catch (IOException e) {
            r = null; // a partly written intd/N: the writer died while writing it
        }
        if (r != null && r.uid() != uid) throw new IOException("intd/" + n + " belongs to another uid");
        if (Files.exists(queue.todo(n))) return true;
        deleteQuietly(queue.intd(n), true);
        deleteQuietly(queue.mess(n), true);
        return false;
    }

    /** A message written to mess/S/N and not yet committed. Confined to one thread. */
    public final class Staged {
        private final Origin origin;
        private long number;
        private Path mess;
        private Path intd;
        private boolean linked;

        private Staged(Origin origin) {
            this.origin = origin;
        }

        public long number() { return number; }

        /** Writes and fsyncs intd/N. */
        public void intd(Envelope envelope) throws QueueFailure {
            byte[] record = new TodoRecord(origin.uid(), origin.pid(), envelope.sender(), envelope.recipients()).encode();
            Path p = queue.intd(number);
            FileChannel ch;
            try {
                ch = FileChannel.open(p, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(MODE_0644));
            } catch (IOException e) {
                abort();
                throw new QueueFailure(QueueExit.INTD_DIR, "unable to create " + p + ": " + e.getMessage(), e);
            }
            intd = p;
            try {
                write(ch, ByteBuffer.wrap(record));
                ch.force(true);
                ch.close();
            } catch (QueueFailure e) {
                closeQuietly(ch);
                abort();
                throw e;
            } catch (IOException e) {
                closeQuietly(ch);
                abort();
                throw new QueueFailure(QueueExit.WRITE_ERROR, "unable to sync intd/" + number + ": " + e.getMessage(), e);
            }
        }

        /** Links intd/N to todo/N, makes the directories durable and pulls the trigger. */
        public void link() throws QueueFailure {
            try {
                Files.createLink(queue.todo(number), intd);
            } catch (IOException e) {
                abort();
                throw new QueueFailure(QueueExit.TODO_DIR, "unable to link todo/" + number + ": " + e.getMessage(), e);
            }
            linked = true;
            try {
                Fsync.dir(queue.todo(number).getParent());
                Fsync.dir(intd.getParent());
            } catch (IOException e) {
                // Queued but maybe not durable: say so; a retry may duplicate, never lose.
                throw new QueueFailure(QueueExit.WRITE_ERROR, "unable to sync todo/: " + e.getMessage(), e);
            }
            try {
                Fifo.pull(queue.trigger());
            } catch (IOException e) {
                // qmail-send finds the message on its next scan
            }
        }

        /** Removes what was made, unless the message is already committed. */
        public void abort() {
            if (linked) return;
            if (intd != null) deleteQuietly(intd, true);
            if (mess != null) deleteQuietly(mess, true);
            intd = null;
            mess = null;
        }
    }
}
