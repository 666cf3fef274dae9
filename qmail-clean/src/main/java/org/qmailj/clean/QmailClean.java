package org.qmailj.clean;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.FileTime;
import org.qmailj.common.Exit;
import org.qmailj.common.FailFast;
import org.qmailj.common.Privileges;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Unlink;

/**
 * qmail-clean - clean up the queue directory. It reads a cleanup command from descriptor 0,
 * performs the cleanup, prints the result to descriptor 1, and repeats (qmail-clean(8)).
 *
 * <p>Descriptors: fd 0 commands from qmail-send, fd 1 one reply byte per command; nothing
 * else is ever written to fd 1. Exits 0 at end of input. Single-threaded.
 */
public final class QmailClean {
    /** pid/ files older than this are qmail-queue leftovers (INTERNALS.md section 6). */
    static final long STALE_SECONDS = 36 * 3600;
    static final long PID_SCAN_SECONDS = 3600;

    /** At most this many files in queue/pool; past it finished files are unlinked as before. */
    static final int POOL_CAP = 40_000;
    /** A message file larger than this is unlinked, not pooled: the pool holds its blocks. */
    static final long POOL_MAX_BYTES = 16 * 1024;
    /** How often the pool is counted again (the writer takes files from it meanwhile). */
    static final int POOL_RECOUNT = 1024;

    private final QueueLayout queue;
    private final Path pool;
    private long lastPidScan = Long.MIN_VALUE / 2;
    /** Files in the pool as last counted, plus those added since; -1: no pool, unlink. */
    private int pooled = -1;
    private int sinceCount;

    QmailClean(QueueLayout queue) {
        this.queue = queue;
        this.pool = queue.dir("pool");
        try {
            Files.createDirectory(pool, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            // made by an earlier run
        } catch (IOException e) {
            return; // no pool: files are unlinked as by qmail
        }
        pooled = count();
    }

    public static void main(String[] args) {
        FailFast.install("qmail-clean");
        Privileges.become("qmail-clean", Privileges.Role.QMAILQ);
        QueueLayout queue = new QueueLayout(QmailHome.current().queue());
        InputStream in = new FileInputStream(FileDescriptor.in);
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        try {
            session(queue, in, out);
        } catch (IOException e) {
            Exit.now(Exit.SOFT);
        }
        Exit.now(Exit.OK);
    }

    /**
     * A qmail-clean session on {@code in} and {@code out} until end of input: what qmail-queued
     * runs for qmail-start's clean request (WriterProtocol's 'K'), as the same user (qmailq).
     * Each session has its own state; the pool is shared with the writer as between processes.
     */
    public static void session(QueueLayout queue, InputStream in, OutputStream out) throws IOException {
        new QmailClean(queue).serve(in, out);
    }

    /**
     * Answers commands until end of input. The input is read in blocks; the replies to the
     * commands of one block go out in one write once the block is used up, before the next
     * read can block (qmail-send sends a batch of commands in one write and takes the replies
     * as they come), so a batch costs a read and a write instead of one of each per command.
     */
    void serve(InputStream in, OutputStream out) throws IOException {
        byte[] block = new byte[4096];
        byte[] buf = new byte[CleanRequest.MAX];
        byte[] replies = new byte[block.length];
        int nreplies = 0;
        int len = 0;
        boolean overlong = false;
        cleanPidIfDue();
        while (true) {
            int n = in.read(block);
            if (n < 0) {
                if (nreplies > 0) out.write(replies, 0, nreplies);
                out.flush();
                return;
            }
            for (int i = 0; i < n; i++) {
                byte c = block[i];
                if (c != 0) {
                    // An overlong command is skipped to its NUL.
                    if (len < buf.length) buf[len++] = c;
                    else overlong = true;
                    continue;
                }
                CleanRequest request = overlong ? null : CleanRequest.parse(buf, len);
                CleanReply reply = request == null ? CleanReply.BAD : perform(request);
                replies[nreplies++] = (byte) reply.code();
                len = 0;
                overlong = false;
                cleanPidIfDue();
            }
            if (nreplies > 0) {
                out.write(replies, 0, nreplies);
                out.flush();
                nreplies = 0;
            }
        }
    }

    CleanReply perform(CleanRequest r) {
        long id = r.id();
        if (r.kind() == CleanRequest.Kind.TODO) {
            boolean ok = unlink(queue.intd(id));
            ok &= ok ? release(queue.todo(id), id, 'e', false) : unlink(queue.todo(id));
            if (ok && intdGone.size() < MAX_REMEMBERED) intdGone.add(id);
            return ok ? CleanReply.DONE : CleanReply.FAILED;
        }
        // foop/N: intd/N went with todo/N if this process removed that. A queue writer makes
        // intd/N only for a new message numbered N, which needs inode N free, and mess/N holds
        // it from before todo/N until this unlink; so nothing can have made intd/N again.
        boolean ok = intdGone.remove(id) || unlink(queue.intd(id));
        ok &= release(queue.mess(id), id, 'm', true);
        return ok ? CleanReply.DONE : CleanReply.FAILED;
    }

    /**
     * Removes {@code p}, the last name of a finished message's file (its envelope after
     * intd/N's unlink, or its message file), by moving it to queue/pool/T.N.KIND for the
     * queue writer to write again (qmail-queue's InodePool says when it may); unlinks it
     * when there is no pool, the pool is full, it is not a regular file, or (a message file,
     * {@code sized}) it is larger than {@link #POOL_MAX_BYTES}. True when {@code p} is gone.
     */
    private boolean release(Path p, long id, char kind, boolean sized) {
        if (pooled < 0) return unlink(p);
        if (pooled >= POOL_CAP) {
            // full: count again now and then, as the writer empties it
            if (++sinceCount >= POOL_RECOUNT) pooled = count();
            return unlink(p);
        }
        try {
            // A regular file only: a directory in a queue name's place is '!', as unlink(2) makes it.
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile() || (sized && a.size() > POOL_MAX_BYTES)) return unlink(p);
            long now = System.currentTimeMillis() / 1000;
            Files.move(p, queue.pool(now, id, kind), StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            return unlink(p);
        }
        pooled++;
        if (++sinceCount >= POOL_RECOUNT) pooled = count();
        return true;
    }

    private int count() {
        sinceCount = 0;
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(pool)) {
            for (Path ignored : ds) n++;
        } catch (IOException e) {
            return -1;
        }
        return n;
    }

    /**
     * Messages whose todo/N and intd/N this process removed and whose foop/N has not come yet.
     * Bounded: past it, intd/N is unlinked at foop time as before (a queue of many deferred
     * messages costs no more memory than this).
     */
    private final java.util.Set<Long> intdGone = new java.util.HashSet<>();
    static final int MAX_REMEMBERED = 10_000;

    /**
     * True when {@code p} is gone (intd/N usually is already). unlink(2) alone, as qmail-clean.c:
     * ENOENT is "gone"; no stat first (Files.deleteIfExists' lstat cost a call per name).
     */
    private static boolean unlink(Path p) {
        try {
            Unlink.ifExists(p);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void cleanPidIfDue() {
        long now = System.currentTimeMillis() / 1000;
        if (now - lastPidScan < PID_SCAN_SECONDS) return;
        lastPidScan = now;
        cleanPid(now);
        if (pooled >= 0) cleanPool(now);
    }

    /**
     * Unlinks pool files past their age (qmail-queued does too, but only when it lists the
     * pool for a new message: a queue that went quiet would keep them), and counts again.
     */
    void cleanPool(long now) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(pool)) {
            for (Path p : ds) {
                long t = QueueLayout.pooledAt(p.getFileName().toString());
                if (t >= 0 && t + QueueLayout.POOL_MAX_AGE_SECONDS < now) unlink(p);
            }
        } catch (IOException e) {
            // unreadable now: the next scan tries again
        }
        pooled = count();
    }

    /** Removes pid/ files whose last change is more than 36 hours old. */
    void cleanPid(long now) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue.pidDir())) {
            for (Path p : ds) {
                try {
                    FileTime t = Files.getLastModifiedTime(p);
                    if (t.toMillis() / 1000 + STALE_SECONDS < now) Files.deleteIfExists(p);
                } catch (IOException e) {
                    // gone already, or not ours to remove: try again at the next scan
                }
            }
        } catch (IOException e) {
            // pid/ unreadable: nothing to do until the next scan
        }
    }
}
