package org.qmailj.queue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.HeldDir;
import org.qmailj.common.sys.SysException;

/**
 * The files of finished messages, written again for new ones (queue/pool, filled by
 * qmail-clean): a message file and an envelope per message are then neither freed nor
 * allocated. Why: ext4 without a journal (this project's benchmark machine) skips, at every
 * inode allocation, each free inode of the group freed in the last minute (six while the
 * inode table block is still dirty), one buffer-cache lookup apiece; with a queue freeing two
 * inodes per message that scan was 35-40% of the machine's CPU under load, and it sat on the
 * acceptance path (the writer creates two files per message) and on every Maildir delivery.
 *
 * <p>A pool name is {@code T.N.m} (a message file) or {@code T.N.e} (an envelope), T the
 * second qmail-clean moved it there. A file is taken only when all of these hold, each for a
 * reason:
 * <ul>
 * <li>T is at least {@link #MIN_AGE_SECONDS} old. A client that lost its writer's answer
 *     asks for message N for up to 30 seconds (WriterProtocol's resolve) and may find
 *     another message numbered N by then; it names its message by N and intd/N's
 *     modification time (the stamp), and a new message's intd/N is written at least that
 *     long after the old one's, so the stamps differ whatever the clock's granularity. (Until
 *     2026-12-06 the age was 35 s, longer than any resolve: a new writer took no pool file
 *     in its first 35 s of mail, and short bursts none at all.)
 * <li>The old message's names are gone on disk: qmail-clean unlinked todo/N and intd/N
 *     before it moved the file here, and this writer fsyncs todo/ and intd/ before it takes
 *     any file it listed; qmail-send syncs info/, local/, remote/ and bounce/ after removing
 *     a message's files there and before it asks qmail-clean for the foop. Otherwise a crash
 *     could bring back an old todo/N or info/N beside a new message N.
 * <li>It is a regular file of the pool's owner with one link: a pool name left beside a
 *     queue name by a crash is not a free file.
 * <li>No other process has it open or mapped ({@link Fd#soleOpener}): qmail-local hands the
 *     message file to delivery programs as their standard input, and a program that went to
 *     the background may still read it; writing another user's message into that inode
 *     would show it to them. Such a file is unlinked from the pool and freed by the kernel
 *     when its last reader closes it.
 * </ul>
 * Files older than {@link QueueLayout#POOL_MAX_AGE_SECONDS} are unlinked, here and by
 * qmail-clean's hourly scan.
 * Thread-safe.
 */
final class InodePool {
    static final long MIN_AGE_SECONDS = 2;
    /** Names taken from one listing at most. */
    static final int BATCH = 4096;
    /**
     * A dry pool is listed again at most this often. Files become old enough a second's worth at
     * a time (names carry seconds), so a listing a second apart let the ready names run out
     * before the next, and new files were created meanwhile (8% of them under 10 sessions).
     */
    private static final long RELIST_NANOS = 200_000_000L;

    /** A pool file this writer may write: its pool name and its inode number. */
    record Claimed(Path path, long inode) {}

    private final Path dir;
    private final Clock clock;
    private final HeldDir todo;
    private final HeldDir intd;
    private final long relistNanos;
    private final ArrayDeque<Path> ready = new ArrayDeque<>();
    /**
     * Names handed out by {@link #claim} that were still in the pool at the last listing: their
     * claimants are about to link and unlink them, and a listing in between must not hand them
     * out again. Two writer threads each linking one envelope file as their own intd/N made one
     * of them fail ("qq trouble creating files in queue") when its unlink of the pool name
     * found it gone. Guarded by {@code ready}.
     */
    private final Set<Path> handedOut = new HashSet<>();
    private long lastListing;
    private int owner = -1;

    InodePool(QueueLayout queue, Clock clock) {
        this(queue, clock, RELIST_NANOS);
    }

    /** {@code relistNanos}: how often a dry pool is listed again (tests: 0). */
    InodePool(QueueLayout queue, Clock clock, long relistNanos) {
        this.dir = queue.dir("pool");
        this.clock = clock;
        this.relistNanos = relistNanos;
        this.lastListing = System.nanoTime() - relistNanos;
        this.todo = new HeldDir(queue.dir("todo"));
        this.intd = new HeldDir(queue.dir("intd"));
    }

    /** A file to write a new message or envelope into, or null: then create one. */
    Claimed claim() {
        while (true) {
            Path p = next();
            if (p == null) return null;
            int fd = Fd.tryOpen(p, Fd.O_WRONLY | Fd.O_NOFOLLOW | Fd.O_NONBLOCK, 0);
            if (fd < 0) continue; // gone
            boolean ok;
            long inode;
            try {
                Fd.Stat st = Fd.stat(fd);
                inode = st.ino();
                ok = st.isRegularFile() && st.nlink() == 1 && st.uid() == owner && Fd.soleOpener(fd);
            } catch (SysException e) {
                ok = false;
                inode = 0;
            } finally {
                Fd.closeQuietly(fd);
            }
            if (ok) return new Claimed(p, inode);
            unlinkQuietly(p);
        }
    }

    private Path next() {
        synchronized (ready) {
            Path p = ready.poll();
            if (p != null) {
                handedOut.add(p);
                return p;
            }
            long t = System.nanoTime();
            if (t - lastListing < relistNanos) return null;
            lastListing = t;
            List<Path> names = list();
            if (names.isEmpty()) return null;
            try {
                // Every name these files had is unlinked on disk before one is written again.
                todo.fsync();
                intd.fsync();
            } catch (IOException e) {
                return null;
            }
            ready.addAll(names);
            p = ready.poll();
            if (p != null) handedOut.add(p);
            return p;
        }
    }

    /**
     * Pool names old enough to take, but for those handed out already; unlinks those past their
     * age. Called with {@code ready}'s lock held.
     */
    private List<Path> list() {
        List<Path> names = new ArrayList<>();
        Set<Path> stillOut = new HashSet<>();
        long now = clock.instant().getEpochSecond();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            if (owner < 0) owner = (Integer) Files.getAttribute(dir, "unix:uid");
            for (Path p : ds) {
                long t = QueueLayout.pooledAt(p.getFileName().toString());
                if (t < 0) continue;
                boolean out = handedOut.contains(p);
                if (out) stillOut.add(p);
                if (t + QueueLayout.POOL_MAX_AGE_SECONDS < now) unlinkQuietly(p);
                else if (t + MIN_AGE_SECONDS <= now && names.size() < BATCH && !out) names.add(p);
            }
            handedOut.retainAll(stillOut); // the rest were unlinked by their claimants
        } catch (NoSuchFileException e) {
            // no pool (a queue made before it, or by C qmail): create files
        } catch (IOException | RuntimeException e) {
            // unreadable: create files, list again later
        }
        return names;
    }

    private static void unlinkQuietly(Path p) {
        // java.io.File's delete is unlink(2) alone
        p.toFile().delete();
    }
}
