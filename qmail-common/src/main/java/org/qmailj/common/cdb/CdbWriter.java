package org.qmailj.common.cdb;

import static org.qmailj.common.cdb.CdbBytes.HEADER;
import static org.qmailj.common.cdb.CdbBytes.putU32;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/**
 * Builds a cdb (format: see {@link Cdb}) the way cdbmake, tcprules and qmail-newu do, so that
 * the same records added in the same order give a byte-identical file.
 *
 * <p>Records are written to a temporary file as they are added, starting at byte 2048.
 * {@link #finish()} appends the 256 hash tables — table i gets 2 × (its records) slots, each
 * record goes in the first free slot from (hash / 256) mod length, in the order added — writes
 * the header, fsyncs, and renames the temporary file onto the target, so readers see either
 * the old database or the new one. The temporary file is the given one (tcprules' {@code tmp}
 * argument; like tcprules, an existing one is overwritten) or {@code target.tmp}. Any failure,
 * and {@link #close()} without {@code finish()}, deletes it and leaves the target alone.
 *
 * <p>A cdb holds 32-bit offsets: an {@link #add} that would make the file larger than
 * 4 GiB − 1 byte fails, as cdbmake does.
 *
 * <p>Threads: one thread at a time; not synchronized.
 */
public final class CdbWriter implements AutoCloseable {
    static final long MAX_SIZE = 0xFFFF_FFFFL;

    private final Path target;
    private final Path tmp;
    private final long maxSize;
    private final FileChannel channel;
    private final OutputStream out;
    private final byte[] word = new byte[4];
    private int[] hashes = new int[64];
    private int[] positions = new int[64];
    private int count;
    private long pos = HEADER;
    private boolean open = true;

    CdbWriter(Path target, Path tmp, long maxSize) throws IOException {
        this.target = target;
        this.tmp = tmp;
        this.maxSize = maxSize;
        this.channel = FileChannel.open(tmp, CREATE, TRUNCATE_EXISTING, WRITE);
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        try {
            out.write(new byte[HEADER]);
        } catch (IOException e) {
            throw abort(e);
        }
    }

    /** Starts a cdb that {@link #finish()} renames onto {@code target} from {@code tmp}. */
    public static CdbWriter create(Path target, Path tmp) throws IOException {
        return new CdbWriter(target, tmp, MAX_SIZE);
    }

    /** Starts a cdb built in {@code target.tmp}, next to the target. */
    public static CdbWriter create(Path target) throws IOException {
        return create(target, target.resolveSibling(target.getFileName() + ".tmp"));
    }

    /** Appends a record; a key may be added more than once. */
    public void add(byte[] key, byte[] data) throws IOException {
        requireOpen();
        long next = pos + 8 + key.length + data.length;
        // Each record also costs two 8-byte slots in the tables written by finish().
        if (next + 16L * (count + 1) > maxSize) {
            throw abort(new IOException(tmp + ": cdb would be larger than 4 GiB"));
        }
        try {
            writeU32(key.length);
            writeU32(data.length);
            out.write(key);
            out.write(data);
        } catch (IOException e) {
            throw abort(e);
        }
        if (count == hashes.length) {
            hashes = Arrays.copyOf(hashes, count * 2);
            positions = Arrays.copyOf(positions, count * 2);
        }
        hashes[count] = CdbBytes.hash(key);
        positions[count] = (int) pos;
        count++;
        pos = next;
    }

    /** {@link #add(byte[], byte[])} with one byte per char (ISO-8859-1). */
    public void add(String key, String data) throws IOException {
        add(CdbBytes.latin1(key), CdbBytes.latin1(data));
    }

    /** Writes the tables and header, fsyncs, and renames the file into place. */
    public void finish() throws IOException {
        requireOpen();
        try {
            byte[] header = writeTables();
            out.flush();
            ByteBuffer buf = ByteBuffer.wrap(header);
            while (buf.hasRemaining()) {
                channel.write(buf, buf.position());
            }
            channel.force(true);
            channel.close();
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            open = false;
        } catch (IOException e) {
            throw abort(e);
        } catch (RuntimeException e) {
            throw abort(e);
        }
    }

    /** Abandons an unfinished cdb: deletes the temporary file. No effect after {@link #finish()}. */
    @Override
    public void close() throws IOException {
        if (open) {
            open = false;
            channel.close();
            Files.deleteIfExists(tmp);
        }
    }

    /** Appends the 256 tables; returns the header that points to them. */
    private byte[] writeTables() throws IOException {
        // Group the records by table, keeping the order they were added in.
        int[] first = new int[257];
        for (int i = 0; i < count; i++) {
            first[(hashes[i] & 255) + 1]++;
        }
        int longest = 0;
        for (int t = 0; t < 256; t++) {
            longest = Math.max(longest, first[t + 1]);
            first[t + 1] += first[t];
        }
        int[] order = new int[count];
        int[] fill = Arrays.copyOf(first, 256);
        for (int i = 0; i < count; i++) {
            order[fill[hashes[i] & 255]++] = i;
        }
        byte[] header = new byte[HEADER];
        int[] slotHash = new int[2 * longest];
        int[] slotPos = new int[2 * longest];
        for (int t = 0; t < 256; t++) {
            int len = 2 * (first[t + 1] - first[t]);
            putU32(header, 8 * t, pos);
            putU32(header, 8 * t + 4, len);
            Arrays.fill(slotPos, 0, len, 0);
            for (int k = first[t]; k < first[t + 1]; k++) {
                int h = hashes[order[k]];
                int s = (int) ((Integer.toUnsignedLong(h) >>> 8) % len);
                while (slotPos[s] != 0) {
                    s = s + 1 == len ? 0 : s + 1;
                }
                slotHash[s] = h;
                slotPos[s] = positions[order[k]];
            }
            for (int s = 0; s < len; s++) {
                writeU32(slotPos[s] == 0 ? 0 : slotHash[s]);
                writeU32(slotPos[s]);
            }
            pos += 8L * len;
        }
        return header;
    }

    private void writeU32(long v) throws IOException {
        putU32(word, 0, v);
        out.write(word);
    }

    private void requireOpen() {
        if (!open) {
            throw new IllegalStateException(tmp + ": cdb already finished or abandoned");
        }
    }

    /** Closes and deletes the temporary file after a failure; returns the failure to throw. */
    private <E extends Exception> E abort(E failure) {
        open = false;
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }
}
