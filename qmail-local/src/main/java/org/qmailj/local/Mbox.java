package org.qmailj.local;

import java.io.IOException;
import java.nio.ByteBuffer;
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
 */
public final class Mbox {
    private Mbox() {
    }

    /** qmail's gfrom: any number of '>' then "From ". */
    static boolean gfrom(byte[] m, int start, int end) {
        int i = start;
        while (i < end && m[i] == '>') i++;
        byte[] from = {'F', 'r', 'o', 'm', ' '};
        if (end - i < from.length) return false;
        for (int k = 0; k < from.length; k++) if (m[i + k] != from[k]) return false;
        return true;
    }

    /** The bytes appended for one message (without the leading lines). */
    static byte[] quoted(byte[] msg) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(msg.length + 64);
        int i = 0;
        while (i < msg.length) {
            int nl = i;
            while (nl < msg.length && msg[nl] != '\n') nl++;
            int end = nl < msg.length ? nl + 1 : nl;
            if (gfrom(msg, i, end)) out.write('>');
            out.write(msg, i, end - i);
            if (nl == msg.length) out.write('\n');
            i = end;
        }
        out.write('\n');
        return out.toByteArray();
    }

    public static void deliver(Path file, String shown, byte[] head, byte[] msg) throws LocalFailure {
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
                ByteBuffer b = ByteBuffer.wrap(concat(head, quoted(msg)));
                while (b.hasRemaining()) ch.write(b);
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
