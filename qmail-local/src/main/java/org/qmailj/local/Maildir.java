package org.qmailj.local;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.qmailj.common.sys.Fsync;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.Unlink;

/**
 * Delivery into a maildir (maildir(5)): create {@code tmp/UNIQUE} exclusively, write the
 * Return-Path and Delivered-To lines and the message (streamed from its descriptor, 64 KiB
 * at a time), fsync the file, link it to
 * {@code new/UNIQUE}, unlink the tmp name, fsync {@code new/}. Only after the directory fsync
 * is the delivery reported done, so it survives a power cut.
 *
 * <p>UNIQUE is {@code SECONDS.MUSECPPIDQN.HOST}: the delivery time, microseconds, the pid and
 * a per-process delivery counter (one worker JVM delivers many messages concurrently, so the
 * pid alone does not make the name unique), then the host name with {@code /} and {@code :}
 * written as {@code \057} and {@code \072}. Files are mode 0600 (qmail-local's umask 077).
 *
 * <p>Failures are temporary, with qmail's texts: "Unable to chdir to maildir. (#4.2.1)",
 * "Timeout on maildir delivery. (#4.3.0)", "Temporary error on maildir delivery. (#4.3.0)"
 * (which covers a full disk or an exceeded quota).
 */
public final class Maildir {
    private static final AtomicLong SEQ = new AtomicLong();
    private static volatile String host;

    private Maildir() {
    }

    static String host() {
        String h = host;
        if (h == null) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                h = "localhost";
            }
            h = h.replace("/", "\\057").replace(":", "\\072");
            host = h;
        }
        return h;
    }

    public static String uniqueName() {
        long now = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
        return (now / 1_000_000) + ".M" + (now % 1_000_000) + "P" + Proc.getpid() + "Q"
                + SEQ.incrementAndGet() + "." + host();
    }

    /** Delivers {@code head} then the message, streamed, into {@code dir}. */
    public static Path deliver(Path dir, byte[] head, MessageFile msg) throws LocalFailure {
        // No probes first (qmail's chdir and stat of tmp/NAME): the exclusive create of
        // tmp/NAME answers them, and only its failure looks at why.
        Path tmp = null;
        FileChannel ch = null;
        for (int attempt = 0; ch == null; attempt++) {
            tmp = dir.resolve("tmp").resolve(uniqueName());
            try {
                ch = FileChannel.open(tmp, CREATE_NEW, MODE_0600);
            } catch (FileAlreadyExistsException e) {
                // qmail's "really should never get here": a name in use; another after 2 s
                if (attempt == 2) throw LocalFailure.temp("Temporary error on maildir delivery. (#4.3.0)");
                sleep(2000);
            } catch (IOException e) {
                throw LocalFailure.temp(searchable(dir) ? "Temporary error on maildir delivery. (#4.3.0)"
                        : "Unable to chdir to maildir. (#4.2.1)");
            }
        }
        Path target = dir.resolve("new").resolve(tmp.getFileName());
        boolean created = true;
        try {
            try (FileChannel out = ch) {
                // The head and the message's first block (read once, shared with the loop
                // check) in one gathering write: one write for a message under 64 KiB.
                writeAll(out, new ByteBuffer[] {ByteBuffer.wrap(head), ByteBuffer.wrap(msg.first(), 0, msg.firstLength())});
                if (!msg.allInFirst()) {
                    byte[] buf = new byte[65536];
                    try (InputStream in = msg.open(msg.firstLength())) {
                        int n;
                        while ((n = in.read(buf, 0, buf.length)) > 0) writeAll(out, ByteBuffer.wrap(buf, 0, n));
                    }
                }
                out.force(true);
            }
            Files.createLink(target, tmp);
            Unlink.ifExists(tmp); // unlink alone: Files.delete would lstat first

            created = false;
            NEW_SYNCS.sync(target.getParent());
            return target;
        } catch (IOException e) {
            if (created) {
                try {
                    Unlink.ifExists(tmp);
                } catch (IOException ignored) {
                    // leftovers in tmp/ are cleaned by mail readers after 36 hours
                }
            }
            throw LocalFailure.temp("Temporary error on maildir delivery. (#4.3.0)");
        }
    }

    private static final Set<StandardOpenOption> CREATE_NEW = Set.of(StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
    private static final FileAttribute<?> MODE_0600 = PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------"));

    /** Whether qmail's chdir into the maildir would work: asked only after a failed create. */
    private static boolean searchable(Path dir) {
        return Files.isDirectory(dir) && Files.isExecutable(dir);
    }

    /** The fsyncs of new/ directories, shared by deliveries in flight at once. */
    private static final DirSyncs NEW_SYNCS = new DirSyncs();

    /**
     * Group commit of a directory's fsync: a delivery whose link into new/ was made before an
     * fsync of new/ started is on disk when that fsync returns, so deliveries into one maildir
     * at once (a worker delivers a user's messages concurrently) wait for one fsync between
     * them instead of one each. Each caller still returns only once an fsync that began after
     * its own link has succeeded; a failed one makes the waiters try again themselves.
     */
    static final class DirSyncs {
        private static final class State {
            long requested;
            long synced;
            boolean running;
            int users;
        }

        private final java.util.Map<Path, State> states = new java.util.HashMap<>();

        void sync(Path dir) throws IOException {
            State st;
            long mine;
            synchronized (this) {
                st = states.computeIfAbsent(dir, k -> new State());
                st.users++;
            }
            try {
                synchronized (st) {
                    mine = ++st.requested;
                }
                while (true) {
                    long target;
                    synchronized (st) {
                        while (st.running && st.synced < mine) {
                            try {
                                st.wait();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new IOException("interrupted waiting for the fsync of " + dir);
                            }
                        }
                        if (st.synced >= mine) return;
                        st.running = true;
                        target = st.requested;
                    }
                    IOException failed = null;
                    try {
                        Fsync.dir(dir);
                    } catch (IOException e) {
                        failed = e;
                    }
                    synchronized (st) {
                        st.running = false;
                        if (failed == null) st.synced = Math.max(st.synced, target);
                        st.notifyAll();
                    }
                    if (failed != null) throw failed;
                }
            } finally {
                synchronized (this) {
                    if (--st.users == 0) states.remove(dir);
                }
            }
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static void writeAll(FileChannel ch, ByteBuffer[] bs) throws IOException {
        while (bs[bs.length - 1].hasRemaining()) ch.write(bs);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
