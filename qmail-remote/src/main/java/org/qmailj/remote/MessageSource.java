package org.qmailj.remote;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The message qmail-remote sends: qmail-remote's descriptor 0, or (in qmail-rspawn) the
 * queue file {@code mess/S/N}. It also answers whether the message has 8-bit bytes, so the
 * client declares {@code BODY=8BITMIME} only when the server offers it and it matters; a
 * source that cannot be read twice (a pipe) says no.
 */
public interface MessageSource {

    InputStream open() throws IOException;

    boolean has8bit() throws IOException;

    /**
     * The size for SMTP's {@code SIZE=} (RFC 1870): the bytes with CRLF line ends, before
     * dot-stuffing; -1 when unknown (a pipe), and then no SIZE parameter is sent.
     */
    default long size() throws IOException {
        return -1;
    }

    /** Whether each {@link #open} reads the whole message again (DKIM signing needs two passes). */
    default boolean rereadable() {
        return true;
    }

    /** A regular file, read from its start. */
    static MessageSource file(Path path) {
        return new MessageSource() {
            private Scan scan;

            @Override
            public InputStream open() throws IOException {
                return java.nio.file.Files.newInputStream(path);
            }

            @Override
            public boolean has8bit() throws IOException {
                return scan().eightBit();
            }

            @Override
            public long size() throws IOException {
                return scan().wireSize();
            }

            private Scan scan() throws IOException {
                if (scan == null) {
                    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                        scan = Scan.of(ch, 0);
                    }
                }
                return scan;
            }
        };
    }

    /**
     * An open file (qmail-rspawn opens mess/S/N before the delivery starts, as qmail-spawn
     * does, so the message stays readable even if it is unlinked meanwhile). Reads are
     * positional: the channel's own position is not used.
     */
    static MessageSource channel(FileChannel ch) {
        return channel(ch, 0);
    }

    private static MessageSource channel(FileChannel ch, long start) {
        return new MessageSource() {
            private Scan scan;

            @Override
            public InputStream open() {
                return new InputStream() {
                    private long pos = start;

                    @Override
                    public int read() throws IOException {
                        byte[] one = new byte[1];
                        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = ch.read(ByteBuffer.wrap(b, off, len), pos);
                        if (n > 0) pos += n;
                        return n;
                    }
                };
            }

            @Override
            public boolean has8bit() throws IOException {
                if (scan == null) scan = Scan.of(ch, start);
                return scan.eightBit();
            }

            @Override
            public long size() throws IOException {
                if (scan == null) scan = Scan.of(ch, start);
                return scan.wireSize();
            }
        };
    }

    /**
     * Descriptor 0 of this process, from where it stands. When it is a regular file (as
     * qmail-rspawn gives it) it is read with positional reads from that offset, as often as
     * needed; otherwise (a pipe) it is read once, not scanned for 8-bit bytes, and its size
     * is unknown.
     */
    static MessageSource stdin() {
        FileInputStream in = new FileInputStream(FileDescriptor.in);
        if (java.nio.file.Files.isRegularFile(Path.of("/proc/self/fd/0"))) {
            try {
                FileChannel ch = in.getChannel();
                return channel(ch, ch.position());
            } catch (IOException e) {
                // read it as a stream, below
            }
        }
        return new MessageSource() {
            @Override
            public InputStream open() {
                return in;
            }

            @Override
            public boolean has8bit() {
                return false; // a pipe or socket: not scanned
            }

            @Override
            public boolean rereadable() {
                return false;
            }
        };
    }

    /**
     * One pass over the message for both questions the client asks before MAIL: whether it
     * has 8-bit bytes (BODY=8BITMIME) and its size with CRLF line ends (SIZE=), which is the
     * bytes from {@code from} to the end plus one CR for every LF.
     */
    record Scan(boolean eightBit, long wireSize) {
        static Scan of(FileChannel ch, long from) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(8192);
            long pos = from;
            long size = 0;
            boolean eightBit = false;
            while (true) {
                b.clear();
                int n = ch.read(b, pos);
                if (n <= 0) return new Scan(eightBit, size);
                size += n;
                for (int i = 0; i < n; i++) {
                    byte c = b.get(i);
                    if (c == '\n') size++;
                    else if (c < 0) eightBit = true;
                }
                pos += n;
            }
        }
    }
}
