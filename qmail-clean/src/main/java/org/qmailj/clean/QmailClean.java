package org.qmailj.clean;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private final QueueLayout queue;
    private long lastPidScan = Long.MIN_VALUE / 2;

    QmailClean(QueueLayout queue) {
        this.queue = queue;
    }

    public static void main(String[] args) {
        FailFast.install("qmail-clean");
        Privileges.become("qmail-clean", Privileges.Role.QMAILQ);
        QueueLayout queue = new QueueLayout(QmailHome.current().queue());
        InputStream in = new FileInputStream(FileDescriptor.in);
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        try {
            new QmailClean(queue).serve(in, out);
        } catch (IOException e) {
            Exit.now(Exit.SOFT);
        }
        Exit.now(Exit.OK);
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
            ok &= unlink(queue.todo(id));
            if (ok && intdGone.size() < MAX_REMEMBERED) intdGone.add(id);
            return ok ? CleanReply.DONE : CleanReply.FAILED;
        }
        // foop/N: intd/N went with todo/N if this process removed that. A queue writer makes
        // intd/N only for a new message numbered N, which needs inode N free, and mess/N holds
        // it from before todo/N until this unlink; so nothing can have made intd/N again.
        boolean ok = intdGone.remove(id) || unlink(queue.intd(id));
        ok &= unlink(queue.mess(id));
        return ok ? CleanReply.DONE : CleanReply.FAILED;
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
