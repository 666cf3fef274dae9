package org.qmailj.common.cdb;

import static org.qmailj.common.cdb.CdbBytes.HEADER;
import static org.qmailj.common.cdb.CdbBytes.u32;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Checks a whole cdb image once, at open, so that lookups can trust it.
 *
 * <p>A lookup touches only a few slots and cannot tell a damaged slot from an absent key, so
 * the checks are done over the whole file: the layout every cdbmake-style writer produces
 * (header, then records back to back from byte 2048, then tables 0..255 back to back up to
 * the end of the file), every record referenced by exactly one slot, every slot's hash equal
 * to its key's hash and in its key's table, and every record reachable by linear probing from
 * its start slot. A change to any structural byte then either leaves every answer as it was
 * or fails here. Bytes inside data cannot be checked: cdb has no checksum.
 *
 * <p>Cost: one pass over the file, hashing each key once. Runs on the caller's thread.
 */
final class CdbCheck {
    private final Path file;
    private final byte[] b;

    private CdbCheck(Path file, byte[] b) {
        this.file = file;
        this.b = b;
    }

    /** Returns the number of records, or throws naming the first problem found. */
    static int verify(Path file, byte[] image) throws CdbFormatException {
        return new CdbCheck(file, image).run();
    }

    private int run() throws CdbFormatException {
        long size = b.length;
        if (size < HEADER) {
            throw bad("file is %d bytes, shorter than the %d-byte header", size, HEADER);
        }
        long recordsEnd = u32(b, 0);
        if (recordsEnd < HEADER) {
            throw bad("hash table 0 starts at %d, inside the header", recordsEnd);
        }
        // The tables follow each other in order and end exactly at the end of the file.
        long end = recordsEnd;
        for (int t = 0; t < 256; t++) {
            long pos = u32(b, 8 * t);
            long len = u32(b, 8 * t + 4);
            if (pos != end) {
                throw bad("hash table %d starts at %d, expected %d right after the previous one", t, pos, end);
            }
            end = pos + 8 * len;
            if (end > size) {
                throw bad("hash table %d ends at %d, past the end of the %d-byte file", t, end, size);
            }
        }
        if (end != size) {
            throw bad("%d bytes follow the last hash table", size - end);
        }
        int[] starts = records(recordsEnd);
        int count = starts.length;
        boolean[] referenced = new boolean[count];
        int seen = 0;
        for (int t = 0; t < 256; t++) {
            seen += table(t, starts, referenced, recordsEnd);
        }
        if (seen != count) {
            for (int r = 0; r < count; r++) {
                if (!referenced[r]) {
                    throw bad("record at %d is in no hash table", starts[r]);
                }
            }
        }
        return count;
    }

    /** Walks the records back to back from the header to the first table; returns their offsets. */
    private int[] records(long recordsEnd) throws CdbFormatException {
        int[] starts = new int[16];
        int n = 0;
        long p = HEADER;
        while (p < recordsEnd) {
            if (p + 8 > recordsEnd) {
                throw bad("record at %d: its lengths run past the end of the records at %d", p, recordsEnd);
            }
            long klen = u32(b, p);
            long dlen = u32(b, p + 4);
            long next = p + 8 + klen + dlen;
            if (next > recordsEnd) {
                throw bad("record at %d: key and data (%d + %d bytes) run past the end of the records at %d",
                        p, klen, dlen, recordsEnd);
            }
            if (n == starts.length) {
                starts = Arrays.copyOf(starts, n * 2);
            }
            starts[n++] = (int) p;
            p = next;
        }
        return Arrays.copyOf(starts, n);
    }

    /** Checks table t's slots; returns how many are in use. */
    private int table(int t, int[] starts, boolean[] referenced, long recordsEnd) throws CdbFormatException {
        long pos = u32(b, 8 * t);
        int len = (int) u32(b, 8 * t + 4);
        if (len == 0) {
            return 0;
        }
        int[] run = runs(pos, len);
        int used = 0;
        for (int s = 0; s < len; s++) {
            long at = pos + 8L * s;
            long rpos = u32(b, at + 4);
            if (rpos == 0) {
                continue;
            }
            used++;
            int r = rpos < recordsEnd ? Arrays.binarySearch(starts, (int) rpos) : -1;
            if (r < 0) {
                throw bad("table %d slot %d points to %d, which is not the start of a record", t, s, rpos);
            }
            if (referenced[r]) {
                throw bad("record at %d is in two hash table slots", rpos);
            }
            referenced[r] = true;
            int h = (int) u32(b, at);
            int klen = (int) u32(b, rpos);
            int keyHash = CdbBytes.hash(b, (int) rpos + 8, klen);
            if (h != keyHash) {
                throw bad("table %d slot %d holds hash %08x, but the key of record %d hashes to %08x",
                        t, s, h, rpos, keyHash);
            }
            if ((h & 255) != t) {
                throw bad("record at %d is in table %d, but its key belongs in table %d", rpos, t, h & 255);
            }
            int first = (int) ((Integer.toUnsignedLong(h) >>> 8) % len);
            int distance = Math.floorMod(s - first, len);
            if (distance >= run[s]) {
                throw bad("record at %d cannot be found: an empty slot lies between slots %d and %d of table %d",
                        rpos, first, s, t);
            }
        }
        return used;
    }

    /** run[s] = how many used slots end at slot s, counting backwards with wrap-around. */
    private int[] runs(long pos, int len) {
        int[] run = new int[len];
        int empty = -1;
        for (int s = 0; s < len && empty < 0; s++) {
            if (u32(b, pos + 8L * s + 4) == 0) {
                empty = s;
            }
        }
        if (empty < 0) {
            Arrays.fill(run, len);
            return run;
        }
        for (int k = 1; k <= len; k++) {
            int s = (empty + k) % len;
            boolean used = u32(b, pos + 8L * s + 4) != 0;
            run[s] = used ? run[(s - 1 + len) % len] + 1 : 0;
        }
        return run;
    }

    private CdbFormatException bad(String format, Object... args) {
        return new CdbFormatException(file, format.formatted(args));
    }
}
