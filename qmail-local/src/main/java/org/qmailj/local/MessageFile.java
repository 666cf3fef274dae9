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
 * whole message in memory. Each {@link #open} reads it from the start with pread, so a
 * .qmail of several lines delivers it several times; a program line gets {@link #fd} itself
 * as its stdin, rewound, as qmail gives programs the message file.
 *
 * <p>Threads: one delivery uses it at a time (program lines move the descriptor's offset).
 */
public final class MessageFile implements AutoCloseable {
    private static final int CHUNK = 65536;

    private final int fd;
    private final boolean owned;

    private MessageFile(int fd, boolean owned) {
        this.fd = fd;
        this.owned = owned;
    }

    /** The message on {@code fd}, a regular file; closing this closes {@code fd}. */
    public static MessageFile of(int fd) {
        return new MessageFile(fd, true);
    }

    /** The message on {@code fd}, which stays the caller's: closing this leaves it open. */
    public static MessageFile borrow(int fd) {
        return new MessageFile(fd, false);
    }

    /**
     * The standalone qmail-local's message on fd 0: fd 0 itself when it is a regular file,
     * else (a pipe) a copy in an unlinked temp file, mode 0600 (C qmail-local needs a
     * seekable fd 0; we take a pipe too).
     */
    public static MessageFile stdin(InputStream in) throws IOException {
        if (Fd.stat(0).isRegularFile()) return new MessageFile(0, false);
        Path tmp = Files.createTempFile("qmail-local", ".msg",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            }
            return new MessageFile(Fd.open(tmp, Fd.O_RDONLY, 0), true);
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

    /** The message from its first byte (positional reads: the descriptor's offset is not used). */
    public InputStream open() {
        return new InputStream() {
            private final byte[] buf = new byte[CHUNK];
            private int pos;
            private int len;
            private long offset;
            private boolean eof;

            @Override
            public int read() throws IOException {
                if (pos == len && !fill()) return -1;
                return buf[pos++] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int n) throws IOException {
                if (n == 0) return 0;
                if (pos == len && !fill()) return -1;
                int k = Math.min(n, len - pos);
                System.arraycopy(buf, pos, b, off, k);
                pos += k;
                return k;
            }

            private boolean fill() throws IOException {
                if (eof) return false;
                int n = Fd.pread(fd, buf, 0, buf.length, offset);
                if (n == 0) {
                    eof = true;
                    return false;
                }
                offset += n;
                pos = 0;
                len = n;
                return true;
            }
        };
    }

    @Override
    public void close() {
        if (owned) Fd.closeQuietly(fd);
    }
}
