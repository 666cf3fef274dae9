package org.qmailj.local;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Lock;
import org.qmailj.common.sys.SysException;

/**
 * Appending to an mbox file (mbox(5), qmail-local's mailfile): open for append (created mode
 * 0600), take an flock (waiting at most 30 seconds), write the From_ line, Return-Path and
 * Delivered-To lines, the message with {@code >From } quoting (any line matching
 * {@code >*From }), a final newline if the message lacks one, and a blank line; fsync. If a
 * write or the fsync fails, the file is truncated back to its length before the delivery.
 * The message is streamed from its descriptor ({@link Quoting}), never held whole.
 */
public final class Mbox {
    private Mbox() {
    }

    /**
     * qmail's gfrom as a stream filter: bytes go through as they come, and a line that starts
     * with any number of '>' then "From " gets one more '>' in front. At a line start the
     * '>'s are only counted until the line is decided, so a long run costs no memory.
     * {@link #finish} adds the missing final newline and the blank line.
     */
    static final class Quoting {
        private static final byte[] FROM = {'F', 'r', 'o', 'm', ' '};
        private final OutputStream out;
        /** At a line start and not decided yet: '>'s seen, then how much of "From " matched. */
        private boolean deciding = true;
        private long gt;
        private int matched;
        private boolean lastWasNewline = true;
        private boolean empty = true;

        Quoting(OutputStream out) {
            this.out = out;
        }

        void write(byte[] b, int off, int len) throws IOException {
            int start = off;
            int end = off + len;
            for (int i = off; i < end; i++) {
                byte c = b[i];
                empty = false;
                if (deciding) {
                    if (matched == 0 && c == '>') {
                        gt++;
                        start = i + 1;
                        continue;
                    }
                    if (c == FROM[matched]) {
                        matched++;
                        start = i + 1;
                        if (matched == FROM.length) {
                            out.write('>');
                            pending();
                            deciding = false;
                        }
                        continue;
                    }
                    pending();
                    deciding = false;
                    start = i;
                }
                if (c == '\n') {
                    out.write(b, start, i + 1 - start);
                    start = i + 1;
                    deciding = true;
                    gt = 0;
                    matched = 0;
                }
            }
            if (!deciding && start < end) out.write(b, start, end - start);
            if (len > 0) lastWasNewline = b[end - 1] == '\n';
        }

        /** Writes the held '>'s and the matched part of "From ". */
        private void pending() throws IOException {
            for (; gt > 0; gt--) out.write('>');
            out.write(FROM, 0, matched);
            matched = 0;
        }

        void finish() throws IOException {
            if (deciding) pending();
            if (!empty && !lastWasNewline) out.write('\n');
            out.write('\n');
        }
    }

    /** The bytes appended for one message (without the leading lines). */
    static byte[] quoted(byte[] msg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(msg.length + 64);
        try {
            Quoting q = new Quoting(out);
            q.write(msg, 0, msg.length);
            q.finish();
        } catch (IOException e) {
            throw new AssertionError(e); // a byte array does not fail
        }
        return out.toByteArray();
    }

    public static void deliver(Path file, String shown, byte[] head, MessageFile msg) throws LocalFailure {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            throw LocalFailure.temp("Unable to open " + shown + ": " + LocalFailure.reason(e) + ". (#4.2.1)");
        }
        int lockFd = -1;
        try (ch) {
            boolean locked = false;
            try {
                lockFd = Fd.open(file, Fd.O_RDONLY | Fd.O_CLOEXEC | Fd.O_NOCTTY, 0);
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!(locked = Lock.lockExNb(lockFd))) {
                    if (System.nanoTime() > deadline) {
                        throw LocalFailure.temp("File has been locked for 30 seconds straight. (#4.3.0)");
                    }
                    Thread.sleep(50);
                }
            } catch (SysException e) {
                locked = false; // qmail goes on unlocked when flock is impossible
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw LocalFailure.temp("File has been locked for 30 seconds straight. (#4.3.0)");
            }
            long pos = ch.size();
            try {
                // Not closed: closing the stream would close the channel before the force.
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 65536);
                out.write(head);
                Quoting q = new Quoting(out);
                try (InputStream in = msg.open()) {
                    byte[] buf = new byte[65536];
                    int n;
                    while ((n = in.read(buf)) > 0) q.write(buf, 0, n);
                }
                q.finish();
                out.flush();
                ch.force(true);
            } catch (IOException e) {
                if (locked) {
                    try {
                        ch.truncate(pos);
                    } catch (IOException ignored) {
                        // nothing more can be done; the error below defers the delivery
                    }
                }
                throw LocalFailure.temp("Unable to write " + shown + ": " + LocalFailure.reason(e) + ". (#4.3.0)");
            }
        } catch (IOException e) {
            throw LocalFailure.temp("Unable to write " + shown + ": " + LocalFailure.reason(e) + ". (#4.3.0)");
        } finally {
            if (lockFd >= 0) {
                try {
                    Fd.close(lockFd);
                } catch (SysException ignored) {
                    // closing releases the lock either way
                }
            }
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
