package org.qmailj.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.SysException;

/**
 * The message being delivered, as qmail-local has it: an open, seekable descriptor (the queue
 * file qmail-lspawn opened and handed over, or a copy of a non-seekable stdin), never the
 * whole message in memory. Each {@link #open} reads it from the start, so a .qmail of several
 * lines delivers it several times; a program line gets {@link #fd} itself as its stdin,
 * rewound, as qmail gives programs the message file.
 *
 * <p>Read once: the first block (up to 64 KiB, all of most messages) is read with one pread
 * the first time anyone needs it and kept, so the loop check and the Maildir, mbox or forward
 * that follow read no more. With the size known (qmail-lspawn fstat'ed the queue file, which
 * never changes), nothing is read past it: no pread to see the end of a small message.
 *
 * <p>Threads: one delivery uses it at a time (program lines move the descriptor's offset).
 */
public final class MessageFile implements AutoCloseable {
    private static final int CHUNK = 65536;

    private final int fd;
    private final boolean owned;
    /** Bytes in the file, or -1: read until pread says end of file. */
    private final long size;
    private byte[] first;
    private int firstLen;

    private MessageFile(int fd, boolean owned, long size) {
        this.fd = fd;
        this.owned = owned;
        this.size = size;
    }

    /** The message on {@code fd}, a regular file; closing this closes {@code fd}. */
    public static MessageFile of(int fd) {
        return new MessageFile(fd, true, -1);
    }

    /** The message on {@code fd}, a regular file of {@code size} bytes that does not change; closing this closes {@code fd}. */
    public static MessageFile of(int fd, long size) {
        return new MessageFile(fd, true, size);
    }

    /** The message on {@code fd}, which stays the caller's: closing this leaves it open. */
    public static MessageFile borrow(int fd) {
        return new MessageFile(fd, false, -1);
    }

    /** As {@link #borrow(int)}, of a file of {@code size} bytes that does not change. */
    public static MessageFile borrow(int fd, long size) {
        return new MessageFile(fd, false, size);
    }

    /**
     * The standalone qmail-local's message on fd 0: fd 0 itself when it is a regular file,
     * else (a pipe) a copy in an unlinked temp file, mode 0600 (C qmail-local needs a
     * seekable fd 0; we take a pipe too).
     */
    public static MessageFile stdin(InputStream in) throws IOException {
        if (Fd.stat(0).isRegularFile()) return new MessageFile(0, false, -1);
        Path tmp = Files.createTempFile("qmail-local", ".msg",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            }
            return new MessageFile(Fd.open(tmp, Fd.O_RDONLY, 0), true, -1);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The descriptor, for a program's stdin; {@link #rewind} it first. */
    public int fd() {
        return fd;
    }

    /** Puts the descriptor's offset back at the start of the message. */
    public void rewind() throws SysException {
        Fd.seek(fd, 0);
    }

    /** The first block of the message, read on the first call: {@link #firstLength} bytes. */
    byte[] first() throws IOException {
        if (first == null) {
            byte[] b = new byte[size >= 0 && size < CHUNK ? (int) size : CHUNK];
            int n = 0;
            // A short pread of a regular file is its end; with the size known, not even the
            // read that returns 0 is needed.
            if (b.length > 0) n = Fd.pread(fd, b, 0, b.length, 0);
            first = b;
            firstLen = n;
        }
        return first;
    }

    /** Bytes in {@link #first}. */
    int firstLength() throws IOException {
        first();
        return firstLen;
    }

    /** Whether the first block is the whole message. */
    boolean allInFirst() throws IOException {
        first();
        return firstLen < first.length || (size >= 0 && firstLen >= size);
    }

    /** The message from its first byte. */
    public InputStream open() {
        return open(0);
    }

    /**
     * The message from byte {@code from} on: the first block from memory, the rest with
     * pread (straight into the caller's array for a read of 8 KiB or more; the descriptor's
     * offset is not used).
     */
    public InputStream open(long from) {
        return new InputStream() {
            private byte[] buf;
            private int pos;
            private int len;
            private long offset = from; // file offset of the next byte after buf
            private boolean eof;

            @Override
            public int read() throws IOException {
                if (pos == len && !fill()) return -1;
                return buf[pos++] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int n) throws IOException {
                if (n == 0) return 0;
                if (pos == len) {
                    if (n >= 8192 && offset >= firstLength() && !eof) {
                        int k = direct(b, off, n);
                        if (k > 0) return k;
                        return -1;
                    }
                    if (!fill()) return -1;
                }
                int k = Math.min(n, len - pos);
                System.arraycopy(buf, pos, b, off, k);
                pos += k;
                return k;
            }

            private int direct(byte[] b, int off, int n) throws IOException {
                if (ended()) return 0;
                int want = size >= 0 ? (int) Math.min(n, size - offset) : n;
                int k = Fd.pread(fd, b, off, want, offset);
                if (k == 0) eof = true;
                offset += k;
                return k;
            }

            private boolean ended() throws IOException {
                if (eof) return true;
                if ((size >= 0 && offset >= size) || (offset >= firstLength() && allInFirst())) eof = true;
                return eof;
            }

            private boolean fill() throws IOException {
                if (ended()) return false;
                if (offset < firstLength()) {
                    buf = first;
                    pos = (int) offset;
                    len = firstLen;
                    offset = firstLen;
                    return true;
                }
                if (buf == null || buf == first) buf = new byte[CHUNK];
                pos = 0;
                len = direct(buf, 0, buf.length);
                return len > 0;
            }
        };
    }

    @Override
    public void close() {
        if (owned) Fd.closeQuietly(fd);
    }
}
