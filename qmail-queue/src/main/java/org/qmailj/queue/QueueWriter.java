package org.qmailj.queue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.EnvelopeFormatException;
import org.qmailj.common.queue.QueueExit;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.TodoRecord;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.HeldDir;

/**
 * Writes one message into the queue exactly as qmail-queue does (qmail-queue(8), INTERNALS.md,
 * FORMATS.md), in three steps so that a socket peer can confirm before the commit point:
 *
 * <ol>
 * <li>{@link #stage}: create {@code pid/PID.TIME.SEQ} exclusively, take its inode N, link it
 *     to {@code mess/S/N}, unlink the pid name, write the Received line and the message.
 * <li>{@link Staged#intd}: create {@code intd/N} exclusively, write {@code u}, {@code p},
 *     {@code F}, {@code T} records; then fsync {@code mess/S/N}, {@code mess/S} and
 *     {@code intd/N} together ({@link SyncRound}): one round trip to the disk, not three.
 *     Not {@code intd/}: no reader needs the name intd/N after a crash (qmail-send reads
 *     todo/N, the same inode, whose data this round syncs; qmail-clean's unlink of a missing
 *     intd/N succeeds), so its entry need not be durable. That fsync cost one disk flush
 *     per message, or per group.
 * <li>{@link Staged#link}: hard-link {@code intd/N} to {@code todo/N} (the commit point), fsync
 *     {@code todo/}, then pull {@code lock/trigger}.
 * </ol>
 *
 * <p>Directory fsyncs are group commits ({@link DirSync}): messages committing at the same
 * time share one fsync of {@code todo/} (and of {@code mess/S}), and one pull
 * of the trigger after it (qmail-send then scans todo/, where every link before the fsync
 * is). The directories stay open for their fsyncs ({@link HeldDir}).
 *
 * <p>So todo/N never exists before the message, the envelope and the message's directory
 * entry are on disk, as with qmail-queue (which syncs the two files, and whose file
 * systems kept directory updates in order); only todo/ is synced after the commit point.
 *
 * Any failure before the commit point truncates and unlinks what was made and throws a
 * {@link QueueFailure} carrying qmail-queue's exit code. Used by bin/qmail-queue's direct path
 * and by the queue writer daemon, one {@link Staged} per message. Thread-safe: every call works
 * on its own files; only the pid-name sequence is shared.
 */
public final class QueueWriter {
    private static final Set<java.nio.file.attribute.PosixFilePermission> MODE_0644 =
            PosixFilePermissions.fromString("rw-r--r--");

    /** Heap a message copy holds, per connection: small, as thousands may stream at once. */
    static final int COPY_BUFFER = 16384;
    /** Buffers kept between messages: at most 1 MiB, the heap of 64 messages in flight. */
    static final int KEPT_BUFFERS = 64;

    private final QueueLayout queue;
    private final ReceivedLine received;
    private final Clock clock;
    private final long ownPid = ProcessHandle.current().pid();
    private final AtomicLong seq = new AtomicLong();
    /** One group commit per directory (mess/S, intd/, todo/), shared by every message. */
    private final ConcurrentHashMap<Path, DirSync> dirSyncs = new ConcurrentHashMap<>();
    /** todo/'s group commit: its fsync, then the trigger, once for every message of the round. */
    private final DirSync todoSync;
    /** Finished messages' files to write again, or null. */
    private final InodePool pool;
    /** Copy buffers for the message and the envelope, kept from message to message. */
    private final BufferPool buffers = new BufferPool(COPY_BUFFER, KEPT_BUFFERS);

    public QueueWriter(QueueLayout queue, ReceivedLine received, Clock clock) {
        this(queue, received, clock, false);
    }

    /**
     * With {@code reuse}, new messages are written into finished messages' files from
     * queue/pool where it can ({@link InodePool}): the queue writer daemon's way.
     */
    public QueueWriter(QueueLayout queue, ReceivedLine received, Clock clock, boolean reuse) {
        this.pool = reuse ? new InodePool(queue, clock) : null;
        this.queue = queue;
        this.received = received;
        this.clock = clock;
        HeldDir todo = new HeldDir(queue.dir("todo"));
        this.todoSync = new DirSync(() -> {
            todo.fsync();
            try {
                Fifo.pull(queue.trigger());
            } catch (IOException e) {
                // qmail-send finds the messages on its next scan
            }
        });
    }

    public QueueLayout layout() { return queue; }

    /** fsyncs {@code dir}, sharing the fsync with every other message that asks at the same time. */
    private void syncDir(Path dir) throws IOException {
        dirSyncs.computeIfAbsent(dir, d -> new DirSync(new HeldDir(d)::fsync)).sync();
    }

    /**
     * Who asked: the uid (from the kernel), the pid and optional role the caller stated, and
     * the qp to record as the envelope's p field, 0 for the message number N (WriterProtocol).
     */
    public record Origin(long uid, long pid, String role, long qp) {
        /** A process writing for itself, as qmail-queue: its pid is the qp. */
        public Origin(long uid, long pid, String role) {
            this(uid, pid, role, pid);
        }
    }

    /**
     * Writes the message file; {@code message} is read to its end. The returned {@link Staged}
     * must be linked or aborted.
     */
    public Staged stage(Origin origin, InputStream message) throws QueueFailure {
        InodePool.Claimed reused = pool == null ? null : pool.claim();
        if (reused != null) {
            Staged s = reuse(origin, message, reused);
            if (s != null) return s;
        }
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
            s.qp = origin.qp() > 0 ? origin.qp() : n;
            try {
                Files.createLink(queue.mess(n), pidFile);
                s.mess = queue.mess(n);
            } catch (IOException e) {
                throw new QueueFailure(QueueExit.MESS_DIR, "unable to link " + queue.mess(n) + ": " + e.getMessage(), e);
            }
            // java.io.File's delete is unlink(2) alone; Files.delete stats the name first.
            if (!pidFile.toFile().delete()) throw new QueueFailure(QueueExit.PID_DIR, "unable to unlink the pid file");
            pidFile = null;
            s.bytes = copy(received.line(origin.pid(), origin.uid(), origin.role(), clock.instant()), message, ch);
            s.messChannel = ch; // synced with intd/N, closed by intd() or abort()
            return s;
        } catch (QueueFailure | RuntimeException | Error e) {
            // Error too: a thread that runs out of memory still removes what it made.
            closeQuietly(ch);
            if (pidFile != null) deleteQuietly(pidFile, true);
            s.abort();
            throw e;
        }
    }

    /**
     * {@link #stage} into a pool file: linked to mess/S/N (N its inode; a link, not a rename,
     * so an existing mess/S/N fails as with a new file), its pool name unlinked, emptied,
     * written. Null when the link fails before anything was written: then a new file is made.
     */
    private Staged reuse(Origin origin, InputStream message, InodePool.Claimed c) throws QueueFailure {
        long n = c.inode();
        Path mess = queue.mess(n);
        try {
            Files.createLink(mess, c.path());
        } catch (IOException e) {
            return null;
        }
        Staged s = new Staged(origin);
        s.number = n;
        s.qp = origin.qp() > 0 ? origin.qp() : n;
        s.mess = mess;
        FileChannel ch = null;
        try {
            if (!c.path().toFile().delete()) throw new QueueFailure(QueueExit.PID_DIR, "unable to unlink " + c.path());
            try {
                // Not O_TRUNC: written over, then cut to length. Truncating freed the file's
                // blocks and writing allocated them again, bitmaps and extents that each fsync
                // then wrote as well.
                ch = FileChannel.open(mess, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new QueueFailure(QueueExit.MESS_DIR, "unable to open " + mess + ": " + e.getMessage(), e);
            }
            s.bytes = copy(received.line(origin.pid(), origin.uid(), origin.role(), clock.instant()), message, ch);
            cut(ch, s.bytes);
            s.messChannel = ch;
            return s;
        } catch (QueueFailure | RuntimeException | Error e) {
            closeQuietly(ch);
            s.abort();
            throw e;
        }
    }

    /**
     * Writes {@code head} then {@code in} to its end; returns the bytes written. The buffer is
     * written when full or at the end, so a small message is one write(2), the Received line
     * included. The buffer comes from {@link #buffers} and goes back to it.
     */
    private long copy(byte[] head, InputStream in, FileChannel ch) throws QueueFailure {
        byte[] buf = head.length <= buffers.size() ? buffers.take() : new byte[head.length];
        try {
            System.arraycopy(head, 0, buf, 0, head.length);
            int fill = head.length;
            long total = 0;
            ByteBuffer bb = ByteBuffer.wrap(buf);
            while (true) {
                int r;
                try {
                    r = fill == buf.length ? 0 : in.read(buf, fill, buf.length - fill);
                } catch (IOException e) {
                    throw new QueueFailure(QueueExit.READ_ERROR, "unable to read the message: " + e.getMessage(), e);
                }
                if (r > 0) fill += r;
                if (r < 0 || fill == buf.length) {
                    bb.clear().limit(fill);
                    write(ch, bb);
                    total += fill;
                    fill = 0;
                    if (r < 0) return total;
                }
            }
        } finally {
            buffers.give(buf);
        }
    }

    /** Cuts a file written over (a pool file's) to the {@code length} just written: no old byte stays. */
    private static void cut(FileChannel ch, long length) throws QueueFailure {
        try {
            ch.truncate(length);
        } catch (IOException e) {
            throw new QueueFailure(QueueExit.WRITE_ERROR, "unable to write the queue: " + e.getMessage(), e);
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
     * After the answer to a commit request was lost (the daemon was killed, or the connection
     * broke): finishes or undoes message N for a caller of uid {@code uid}, which was told N
     * in a prepared answer, so intd/N existed then, complete. Returns true if the message is
     * queued: {@code todo/N} exists, or {@code intd/N} is gone (only the commit lets it go once
     * its client was told N: qmail-send removes intd/N and todo/N once it has taken the
     * message). An empty intd/N is a withdrawn message ({@link Staged#withdraw}): not queued.
     * With a {@code stamp} ({@link Staged#stamp}, else {@link WriterProtocol#NO_STAMP}), an
     * intd/N written at another time is another message numbered N, in a finished message's
     * reused file ({@link InodePool}): the asker's was committed, and true is returned without
     * touching the other. Otherwise withdraws N if intd/N belongs to {@code uid}, and returns
     * false.
     *
     * <p>The answer is kept on disk, not in this process: a writer killed after withdrawing N
     * but before its answer reached the client gives the same answer after its restart, where
     * a removal of intd/N would read as "committed" and lose the message.
     */
    public boolean resolve(long n, long uid, long stamp) throws IOException {
        if (Files.exists(queue.todo(n))) return true;
        byte[] data;
        try {
            data = Files.readAllBytes(queue.intd(n));
            if (data.length > 0 && stamp != WriterProtocol.NO_STAMP && stampOf(queue.intd(n)) != stamp) return true;
        } catch (NoSuchFileException e) {
            return true;
        }
        if (data.length == 0) return false;
        TodoRecord r;
        try {
            r = TodoRecord.decode(data);
        } catch (IOException e) {
            r = null; // a partly written intd/N: the writer died while writing it
        }
        if (r != null && r.uid() != uid) throw new IOException("intd/" + n + " belongs to another uid");
        if (Files.exists(queue.todo(n))) return true;
        truncate(queue.intd(n));
        truncate(queue.mess(n));
        return false;
    }

    /** {@code p}'s modification time in nanoseconds (negative before 1970: matches no stamp, which is never negative). */
    private static long stampOf(Path p) throws IOException {
        return Files.getLastModifiedTime(p).to(TimeUnit.NANOSECONDS);
    }

    /** Empties {@code p}, keeping its name; a missing file is fine. */
    private static void truncate(Path p) throws IOException {
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
            c.truncate(0);
        } catch (NoSuchFileException e) {
            // gone already: nothing to empty
        }
    }

    private static void writeRecord(OutputStream out, char tag, byte[] value) throws IOException {
        out.write(tag);
        out.write(value);
        out.write(0);
    }

    /** Failures to write intd/N, told apart from failures to read the envelope. */
    private static final class WriteError extends IOException {
        WriteError(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Writes to a FileChannel through a buffer from {@link #buffers}, each failure a
     * {@link WriteError}. {@link #close} gives the buffer back (without a flush), once: a
     * buffer given twice would be lent to two messages at a time.
     */
    private final class BufferedChannelOut extends OutputStream {
        private final FileChannel ch;
        private byte[] buf = buffers.take();
        private int fill;

        BufferedChannelOut(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            if (fill == buf.length) flush();
            buf[fill++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > buf.length - fill) flush();
            if (len >= buf.length) {
                drain(ByteBuffer.wrap(b, off, len));
            } else {
                System.arraycopy(b, off, buf, fill, len);
                fill += len;
            }
        }

        @Override
        public void flush() throws IOException {
            drain(ByteBuffer.wrap(buf, 0, fill));
            fill = 0;
        }

        private void drain(ByteBuffer bb) throws WriteError {
            try {
                while (bb.hasRemaining()) ch.write(bb);
            } catch (IOException e) {
                throw new WriteError(e);
            }
        }

        @Override
        public void close() {
            if (buf == null) return;
            buffers.give(buf);
            buf = null;
        }
    }

    /** A message written to mess/S/N and not yet committed. Confined to one thread. */
    public final class Staged {
        private final Origin origin;
        private long number;
        private long qp;
        private Path mess;
        /** mess/S/N, written and not yet synced: {@link #intd} syncs it with intd/N. */
        private FileChannel messChannel;
        private Path intd;
        private boolean linked;
        private long bytes;
        private long syncNanos;

        private Staged(Origin origin) {
            this.origin = origin;
        }

        public long number() { return number; }

        /** The p field of intd/N: the origin's qp, or N. */
        public long qp() { return qp; }

        /** Bytes of mess/N (the Received line and the message). */
        public long bytes() { return bytes; }

        /** Nanoseconds this message's fsyncs took so far. */
        public long syncNanos() { return syncNanos; }

        /**
         * intd/N's modification time in nanoseconds after {@link #intd}, or
         * {@link WriterProtocol#NO_STAMP} when there is none to give (the client then resolves by
         * number alone): what tells this message from a later one numbered N ({@link #resolve}).
         * Read when asked, so that the direct path and clients without stamps pay no stat.
         */
        public long stamp() {
            if (intd == null) return WriterProtocol.NO_STAMP;
            try {
                long t = stampOf(intd);
                return t < 0 ? WriterProtocol.NO_STAMP : t;
            } catch (IOException e) {
                return WriterProtocol.NO_STAMP;
            }
        }

        /** Writes intd/N from an envelope held in memory, and syncs it with mess/S/N. */
        public void intd(Envelope envelope) throws QueueFailure {
            intd(new ByteArrayInputStream(envelope.encode()));
        }

        /**
         * Reads qmail-queue's envelope from {@code envelope} and copies it record by record into
         * intd/N after the {@code u} and {@code p} records, as qmail-queue does: memory stays
         * at one address and a buffer whatever the number of recipients. A bad envelope is
         * {@link QueueExit#ENVELOPE_FORMAT} or {@link QueueExit#ADDRESS_TOO_LONG}, input that
         * ends early or fails {@link QueueExit#READ_ERROR}; each removes intd/N and mess/S/N.
         * Then syncs mess/S/N, its directory and intd/N in one {@link SyncRound}.
         */
        public void intd(InputStream envelope) throws QueueFailure {
            Path p = queue.intd(number);
            FileChannel ch;
            FileChannel reused;
            try {
                reused = reusedIntd(p);
                ch = reused != null ? reused : FileChannel.open(p, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(MODE_0644));
            } catch (IOException e) {
                abort();
                throw new QueueFailure(QueueExit.INTD_DIR, "unable to create " + p + ": " + e.getMessage(), e);
            }
            intd = p;
            try (OutputStream out = new BufferedChannelOut(ch)) {
                writeRecord(out, 'u', Long.toString(origin.uid()).getBytes(StandardCharsets.US_ASCII));
                writeRecord(out, 'p', Long.toString(qp).getBytes(StandardCharsets.US_ASCII));
                Envelope.stream(envelope, (tag, address, length) -> {
                    out.write(tag);
                    out.write(address, 0, length);
                    out.write(0);
                });
                out.flush();
                if (reused != null) {
                    try {
                        ch.truncate(ch.position());
                    } catch (IOException e) {
                        throw new WriteError(e);
                    }
                }
            } catch (EnvelopeFormatException e) {
                fail(ch);
                throw new QueueFailure(e.exit(), e.getMessage(), e);
            } catch (WriteError e) {
                fail(ch);
                throw new QueueFailure(QueueExit.WRITE_ERROR, "unable to write intd/" + number + ": " + e.getMessage(), e);
            } catch (IOException e) {
                fail(ch);
                throw new QueueFailure(QueueExit.READ_ERROR, "unable to read the envelope: " + e.getMessage(), e);
            } catch (RuntimeException | Error e) {
                fail(ch);
                throw e;
            }
            try {
                long t = System.nanoTime();
                FileChannel m = messChannel;
                SyncRound.all(() -> ch.force(true), () -> m.force(true), () -> syncDir(mess.getParent()));
                syncNanos += System.nanoTime() - t;
                messChannel = null;
                m.close();
                ch.close();
            } catch (IOException e) {
                fail(ch);
                throw new QueueFailure(QueueExit.WRITE_ERROR, "unable to sync the message and intd/" + number + ": " + e.getMessage(), e);
            } catch (RuntimeException | Error e) {
                fail(ch);
                throw e;
            }
        }

        /**
         * intd/N from a pool file (linked, so an existing intd/N fails as CREATE_NEW would; its
         * pool name unlinked; emptied), or null when there is none to take.
         */
        private FileChannel reusedIntd(Path p) throws IOException {
            InodePool.Claimed c = pool == null ? null : pool.claim();
            if (c == null) return null;
            try {
                Files.createLink(p, c.path());
            } catch (NoSuchFileException e) {
                return null; // the pool name went since the claim (qmail-clean's hourly unlink): create one
            }
            intd = p;
            if (!c.path().toFile().delete()) throw new IOException("unable to unlink " + c.path());
            return FileChannel.open(p, StandardOpenOption.WRITE); // written over, then cut (see reuse)
        }

        private void fail(FileChannel ch) {
            closeQuietly(ch);
            abort();
        }

        /** Links intd/N to todo/N, makes todo/ durable and pulls the trigger (shared with the messages of the same round). */
        public void link() throws QueueFailure {
            try {
                Files.createLink(queue.todo(number), intd);
            } catch (IOException e) {
                abort();
                throw new QueueFailure(QueueExit.TODO_DIR, "unable to link todo/" + number + ": " + e.getMessage(), e);
            }
            linked = true;
            try {
                long t = System.nanoTime();
                todoSync.sync(); // and the trigger
                syncNanos += System.nanoTime() - t;
            } catch (IOException e) {
                // Queued but maybe not durable: say so; a retry may duplicate, never lose.
                throw new QueueFailure(QueueExit.WRITE_ERROR, "unable to sync todo/: " + e.getMessage(), e);
            }
        }

        /**
         * Undoes a message whose client was told N and may ask to resolve it (it stalled past
         * the read timeout, and may yet send 'C' and then resolve): empties intd/N (first: that
         * is the answer) and mess/S/N but keeps their names, so every later resolve, from this
         * writer or one started after a kill, answers "not queued", and N (the inode of mess/S/N)
         * is not reused meanwhile. qmail-send's 36-hour cleanup removes the two empty files, as
         * it removes a crashed qmail-queue's leftovers. Not needed when the client closed its
         * end: a closed client resolves nothing, and {@link #abort} removes the files.
         */
        public void withdraw() {
            closeQuietly(messChannel);
            messChannel = null;
            if (linked) return;
            try {
                if (intd != null) truncate(intd);
                if (mess != null) truncate(mess);
            } catch (IOException e) {
                // left complete: a resolve withdraws it again, the cleanup removes it
            }
            intd = null;
            mess = null;
        }

        /** Removes what was made, unless the message is already committed. */
        public void abort() {
            closeQuietly(messChannel);
            messChannel = null;
            if (linked) return;
            if (intd != null) deleteQuietly(intd, true);
            if (mess != null) deleteQuietly(mess, true);
            intd = null;
            mess = null;
        }
    }
}
