package org.qmailj.common.cdb;

import static org.qmailj.common.cdb.CdbBytes.u32;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A constant database (D. J. Bernstein's cdb), read-only: users/cdb, control/morercpthosts.cdb,
 * tcpserver rules.
 *
 * <h2>Format</h2>
 * All numbers are unsigned 32-bit little-endian.
 * <pre>
 *   header   256 × (tablePos, tableLen)     bytes 0..2047
 *   records  (klen, dlen, key, data) ...    from byte 2048, back to back, in the order added
 *   tables   table 0, table 1, ... 255      each tableLen slots of (hash, recordPos)
 * </pre>
 * hash(key): h = 5381; for each byte c: h = (h × 33) xor c. The key's table is h mod 256; the
 * search starts at slot (h / 256) mod tableLen and moves forward, wrapping, until a slot with
 * recordPos 0 (empty) or tableLen slots have been seen. Every slot whose hash is h and whose
 * record's key equals the key is a match, in that order; a key may have several records.
 *
 * <h2>Choices</h2>
 * The file is read whole into memory: the databases qmail uses are small, and an image in the
 * heap cannot change under a reader, whereas a mapped file could be truncated by another
 * process. {@link #open} checks the whole structure once (see {@code CdbCheck}) and throws
 * {@link CdbFormatException} for a truncated or damaged file, so a lookup never reads out of
 * bounds, never loops, and never mistakes damage for a missing key. Files over 2 GiB are
 * refused.
 *
 * <h2>Threads</h2>
 * Immutable; any number of threads may share one instance. Results are fresh copies.
 */
public final class Cdb {
    private static final long MAX_SIZE = Integer.MAX_VALUE - 8;

    private final Path file;
    private final byte[] image;
    private final int records;

    private Cdb(Path file, byte[] image, int records) {
        this.file = file;
        this.image = image;
        this.records = records;
    }

    /** Reads and checks the cdb at {@code file}. */
    public static Cdb open(Path file) throws IOException {
        byte[] image;
        try (FileChannel ch = FileChannel.open(file)) {
            long size = ch.size();
            if (size > MAX_SIZE) {
                throw new CdbFormatException(file, "file is %d bytes; cdbs over 2 GiB are not supported".formatted(size));
            }
            image = new byte[(int) size];
            ByteBuffer buf = ByteBuffer.wrap(image);
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) {
                    throw new CdbFormatException(file, "file shrank while being read");
                }
            }
        }
        return of(file, image);
    }

    /** Checks an image already in memory; {@code name} appears in error messages. */
    static Cdb of(Path name, byte[] image) throws CdbFormatException {
        return new Cdb(name, image, CdbCheck.verify(name, image));
    }

    /** The first record's data for {@code key}, if any. */
    public Optional<byte[]> find(byte[] key) {
        List<byte[]> found = lookup(key, 1);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }

    /** {@link #find(byte[])} with a key of one byte per char (ISO-8859-1). */
    public Optional<byte[]> find(String key) {
        return find(CdbBytes.latin1(key));
    }

    /** The data of every record for {@code key}, in the order they were added. */
    public List<byte[]> findAll(byte[] key) {
        return lookup(key, Integer.MAX_VALUE);
    }

    /** {@link #findAll(byte[])} with a key of one byte per char (ISO-8859-1). */
    public List<byte[]> findAll(String key) {
        return findAll(CdbBytes.latin1(key));
    }

    /** How many records the file holds. */
    public int size() {
        return records;
    }

    /** The file this was read from. */
    public Path file() {
        return file;
    }

    private List<byte[]> lookup(byte[] key, int limit) {
        int h = CdbBytes.hash(key);
        int header = (h & 255) * 8;
        long tablePos = u32(image, header);
        long tableLen = u32(image, header + 4);
        List<byte[]> found = new ArrayList<>(1);
        long slot = tableLen == 0 ? 0 : (Integer.toUnsignedLong(h) >>> 8) % tableLen;
        for (long seen = 0; seen < tableLen && found.size() < limit; seen++) {
            long at = tablePos + 8 * slot;
            long rpos = u32(image, at + 4);
            if (rpos == 0) {
                break;
            }
            if ((int) u32(image, at) == h && keyEquals(rpos, key)) {
                found.add(data(rpos));
            }
            if (++slot == tableLen) {
                slot = 0;
            }
        }
        return List.copyOf(found);
    }

    private boolean keyEquals(long rpos, byte[] key) {
        int start = (int) rpos + 8;
        return u32(image, rpos) == key.length
                && Arrays.equals(image, start, start + key.length, key, 0, key.length);
    }

    private byte[] data(long rpos) {
        int start = (int) (rpos + 8 + u32(image, rpos));
        return Arrays.copyOfRange(image, start, start + (int) u32(image, rpos + 4));
    }

    @Override
    public String toString() {
        return "Cdb[" + file + ", " + records + " records]";
    }
}
