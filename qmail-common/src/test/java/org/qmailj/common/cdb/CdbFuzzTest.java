package org.qmailj.common.cdb;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The cdb reader on hostile files: {@link Cdb} must refuse a file with
 * {@link CdbFormatException} or answer every lookup exactly as a naive, bounds-checked reader
 * of the same bytes does; never another exception, a hang or a huge allocation.
 *
 * <p>Corpus: {@code CdbFuzzTestInputs/<method>/} (replayed by every build); {@code scripts/fuzz}
 * fuzzes.
 */
class CdbFuzzTest {
    private static final Path NAME = Path.of("fuzz.cdb");
    private static Path dir;

    @BeforeAll
    static void makeDir() throws IOException {
        // CdbWriter fsyncs: on tmpfs that costs nothing, which makes the fuzzer ~10x faster.
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempDirectory(shm, "cdbfuzz") : Files.createTempDirectory("cdbfuzz");
    }

    @AfterAll
    static void removeDir() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** Arbitrary bytes as a cdb image, and a key looked up in it. */
    @FuzzTest(maxDuration = "5m")
    void arbitraryImage(FuzzedDataProvider in) {
        byte[] key = in.consumeBytes(in.consumeInt(0, 16));
        byte[] image = in.consumeRemainingAsBytes();
        Cdb cdb;
        try {
            cdb = Cdb.of(NAME, image);
        } catch (CdbFormatException refused) {
            return;
        }
        assertSameAnswers(cdb, image, key);
        for (byte[] k : recordKeys(image)) {
            assertSameAnswers(cdb, image, k);
        }
    }

    /**
     * Records written by {@link CdbWriter}, then one byte of the file changed: the reader either
     * refuses the file or answers like the naive reader, and an unchanged file answers every key
     * with its data in the order added.
     */
    @FuzzTest(maxDuration = "5m")
    void writtenThenDamaged(FuzzedDataProvider in) throws IOException {
        Map<String, List<byte[]>> added = new LinkedHashMap<>();
        Path file = dir.resolve("w.cdb");
        try (CdbWriter w = CdbWriter.create(file)) {
            int n = in.consumeInt(0, 40);
            for (int i = 0; i < n; i++) {
                byte[] key = in.consumeBytes(in.consumeInt(0, 8));
                byte[] data = in.consumeBytes(in.consumeInt(0, 8));
                w.add(key, data);
                added.computeIfAbsent(Arrays.toString(key), k -> new ArrayList<>()).add(data);
            }
            w.finish();
        }
        byte[] image = Files.readAllBytes(file);
        Cdb cdb = Cdb.of(NAME, image);
        assertThat(cdb.size()).isEqualTo(added.values().stream().mapToInt(List::size).sum());
        for (byte[] key : recordKeys(image)) {
            List<byte[]> want = added.get(Arrays.toString(key));
            assertThat(cdb.findAll(key)).zipSatisfy(want, (a, b) -> assertThat(a).isEqualTo(b)).hasSameSizeAs(want);
        }
        byte[] other = in.consumeBytes(4);
        assertThat(cdb.findAll(other)).hasSize(added.getOrDefault(Arrays.toString(other), List.of()).size());

        int at = in.consumeInt(0, image.length - 1);
        image[at] ^= (byte) in.consumeInt(1, 255);
        Cdb damaged;
        try {
            damaged = Cdb.of(NAME, image);
        } catch (CdbFormatException refused) {
            return;
        }
        for (byte[] k : recordKeys(image)) {
            assertSameAnswers(damaged, image, k);
        }
        assertSameAnswers(damaged, image, other);
    }

    private static void assertSameAnswers(Cdb cdb, byte[] image, byte[] key) {
        List<byte[]> want = naiveFindAll(image, key);
        List<byte[]> got = cdb.findAll(key);
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
            assertThat(got.get(i)).isEqualTo(want.get(i));
        }
        assertThat(cdb.find(key).orElse(null)).isEqualTo(want.isEmpty() ? null : want.getFirst());
    }

    /** The keys of the records from byte 2048 up to table 0, as far as they are in bounds. */
    private static List<byte[]> recordKeys(byte[] image) {
        List<byte[]> keys = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        long end = Math.min(image.length, Integer.toUnsignedLong(b.getInt(0)));
        long pos = 2048;
        while (pos + 8 <= end) {
            long klen = Integer.toUnsignedLong(b.getInt((int) pos));
            long dlen = Integer.toUnsignedLong(b.getInt((int) pos + 4));
            if (pos + 8 + klen + dlen > end) {
                break;
            }
            keys.add(Arrays.copyOfRange(image, (int) pos + 8, (int) (pos + 8 + klen)));
            pos += 8 + klen + dlen;
        }
        return keys;
    }

    /** cdb lookup as the format describes it, every read checked; fails the test on a read out of bounds. */
    private static List<byte[]> naiveFindAll(byte[] image, byte[] key) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        long h = 5381;
        for (byte c : key) {
            h = ((h * 33) ^ (c & 0xff)) & 0xffffffffL;
        }
        long tablePos = u32(b, (h & 255) * 8);
        long tableLen = u32(b, (h & 255) * 8 + 4);
        List<byte[]> found = new ArrayList<>();
        if (tableLen == 0) {
            return found;
        }
        long slot = (h >>> 8) % tableLen;
        for (long i = 0; i < tableLen; i++) {
            long at = tablePos + 8 * ((slot + i) % tableLen);
            long rpos = u32(b, at + 4);
            if (rpos == 0) {
                break;
            }
            if (u32(b, at) == h && u32(b, rpos) == key.length) {
                long dlen = u32(b, rpos + 4);
                byte[] k = slice(image, rpos + 8, key.length);
                if (Arrays.equals(k, key)) {
                    found.add(slice(image, rpos + 8 + key.length, dlen));
                }
            }
        }
        return found;
    }

    private static long u32(ByteBuffer b, long at) {
        assertThat(at).as("read inside the image").isBetween(0L, b.capacity() - 4L);
        return Integer.toUnsignedLong(b.getInt((int) at));
    }

    private static byte[] slice(byte[] image, long from, long len) {
        assertThat(from + len).as("record inside the image").isLessThanOrEqualTo(image.length);
        return Arrays.copyOfRange(image, (int) from, (int) (from + len));
    }
}
