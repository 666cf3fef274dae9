package org.qmailj.common.cdb;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged files: every answer is either the one the damaged bytes really hold or a
 * CdbFormatException naming the file; never another exception, never a hang.
 */
class CdbCorruptionTest {
    static final Duration LIMIT = Duration.ofSeconds(10);

    /** Keys in the order added, with a duplicate, an empty key and data, and a hash collision. */
    static final List<Map.Entry<byte[], byte[]>> ENTRIES = List.of(
            CdbRoundTripTest.entry("127.0.0.1", "+RELAYCLIENT=\0"),
            CdbRoundTripTest.entry("10.", "D\0"),
            CdbRoundTripTest.entry("dup", "first"),
            CdbRoundTripTest.entry("", ""),
            Map.entry(CdbRoundTripTest.COLLIDE_A, "collide".getBytes(ISO_8859_1)),
            CdbRoundTripTest.entry("dup", "second"),
            CdbRoundTripTest.entry("=host.example", "+X=a b\0"),
            CdbRoundTripTest.entry("a", "b"));
    static final List<byte[]> MISSING = List.of(
            CdbRoundTripTest.COLLIDE_B, "127.0.0.".getBytes(ISO_8859_1), "b".getBytes(ISO_8859_1),
            "dup\0".getBytes(ISO_8859_1), new byte[] {0});

    @TempDir
    Path dir;
    Path file;
    byte[] good;

    @BeforeEach
    void build() throws Exception {
        file = dir.resolve("rules.cdb");
        try (var w = CdbWriter.create(file)) {
            for (var e : ENTRIES) {
                w.add(e.getKey(), e.getValue());
            }
            w.finish();
        }
        good = Files.readAllBytes(file);
    }

    @Test
    void theUndamagedFileAnswersEverything() throws Exception {
        assertCorrect(Cdb.open(file), good);
    }

    @Test
    void everyTruncationAndExtensionIsRefusedAtOpen() {
        assertTimeoutPreemptively(LIMIT, () -> {
            for (int len = 0; len < good.length + 16; len++) {
                if (len == good.length) {
                    continue;
                }
                Path damaged = dir.resolve("truncated-" + len + ".cdb");
                Files.write(damaged, Arrays.copyOf(good, len));
                assertThatThrownBy(() -> Cdb.open(damaged))
                        .as("length %d", len)
                        .isInstanceOf(CdbFormatException.class)
                        .hasMessageStartingWith(damaged + ": not a valid cdb: ")
                        .satisfies(e -> assertThat(((CdbFormatException) e).file()).isEqualTo(damaged));
                Files.delete(damaged);
            }
        });
    }

    @Test
    void everySingleByteChangeGivesTheTrueAnswerOrFails() {
        assertTimeoutPreemptively(LIMIT, () -> {
            var random = new Random(1);
            int refused = 0;
            for (int at = 0; at < good.length; at++) {
                for (int xor : new int[] {0x01, 0x80, 0xff, 1 + random.nextInt(255)}) {
                    byte[] damaged = good.clone();
                    damaged[at] ^= (byte) xor;
                    refused += assertTrueAnswerOrRefused(damaged) ? 0 : 1;
                }
            }
            // Most of the file is header and tables, so most changes must be caught.
            assertThat(refused).isGreaterThan(good.length);
        });
    }

    @Test
    void randomDamageGivesTheTrueAnswerOrFails() {
        assertTimeoutPreemptively(LIMIT, () -> {
            var random = new Random(20261129);
            for (int round = 0; round < 5000; round++) {
                byte[] damaged = good.clone();
                for (int n = 1 + random.nextInt(8); n > 0; n--) {
                    damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
                }
                if (round % 50 == 0) {
                    Files.write(file, damaged);
                    assertTrueAnswerOrRefused(file, damaged);
                } else {
                    assertTrueAnswerOrRefused(damaged);
                }
            }
        });
    }

    @Test
    void tablePastTheEnd() {
        byte[] b = good.clone();
        u32(b, 8 * 255 + 4, 0x7fff_ffff);
        assertRefused(b, "hash table 255 ends at");
    }

    @Test
    void recordLengthPastTheEnd() {
        byte[] b = good.clone();
        u32(b, 2048 + 4, 0xffff_ffff);
        assertRefused(b, "record at 2048: key and data (9 + 4294967295 bytes) run past the end");
    }

    @Test
    void partialRecordLengths() {
        // Three bytes of record, then 256 empty tables at the very end of the file.
        byte[] b = new byte[2048 + 3];
        for (int t = 0; t < 256; t++) {
            u32(b, 8 * t, 2051);
        }
        assertRefused(b, "record at 2048: its lengths run past the end of the records at 2051");
    }

    @Test
    void slotIntoTheMiddleOfARecord() {
        byte[] b = good.clone();
        int slot = usedSlot(b);
        u32(b, slot + 4, 2049);
        assertRefused(b, "points to 2049, which is not the start of a record");
    }

    @Test
    void slotEmptiedSoARecordWouldBeLost() {
        byte[] b = good.clone();
        u32(b, usedSlot(b) + 4, 0);
        assertRefused(b, "is in no hash table");
    }

    @Test
    void tablesOutOfOrder() {
        byte[] b = good.clone();
        u32(b, 8 * 7, 2048);
        assertRefused(b, "hash table 7 starts at 2048");
    }

    @Test
    void aRecordBehindAnEmptySlotIsRefused() throws Exception {
        // "a" searches table 196 from slot 0x2b5 % 4 = 1; slot 2 is empty, so slot 3 is never reached.
        assertThat(Cdb.of(file, oneRecordOfA(196, 4, 1)).find("a")).isPresent();
        assertRefused(oneRecordOfA(196, 4, 3), "record at 2048 cannot be found: an empty slot lies between slots 1 and 3");
        // With 8 slots the search starts at 0x2b5 % 8 = 5 and wraps to 0 past empty 5, 6, 7.
        assertThat(Cdb.of(file, oneRecordOfA(196, 8, 5)).find("a")).isPresent();
        assertRefused(oneRecordOfA(196, 8, 0), "an empty slot lies between slots 5 and 0");
    }

    @Test
    void aRecordInTheWrongTableIsRefused() {
        assertRefused(oneRecordOfA(197, 2, 1), "record at 2048 is in table 197, but its key belongs in table 196");
    }

    @Test
    void twoSlotsForOneRecordAreRefused() throws Exception {
        try (var w = CdbWriter.create(file)) {
            w.add("a", "b");
            w.add("a", "c");
            w.finish();
        }
        // Table 196 (4 slots) starts right after the two 10-byte records; "a" uses slots 1 and 2.
        byte[] b = Files.readAllBytes(file);
        assertThat(CdbBytes.u32(b, 2068 + 8 * 2 + 4)).isEqualTo(2058);
        u32(b, 2068 + 8 * 2 + 4, 2048);
        assertRefused(b, "record at 2048 is in two hash table slots");
    }

    @Test
    void aFullTableStillEndsTheSearch() throws Exception {
        // A table of one slot has no empty slot to stop the search.
        byte[] b = oneRecordOfA(196, 1, 0);
        byte[] sameTable = sameTableAs("a");

        Cdb cdb = Cdb.of(file, b);
        assertTimeoutPreemptively(LIMIT, () -> {
            assertThat(cdb.find("a")).hasValueSatisfying(d -> assertThat(d).containsExactly('b'));
            assertThat(cdb.findAll(sameTable)).isEmpty();
        });
    }

    @Test
    void allZeros() {
        assertRefused(new byte[4096], "hash table 0 starts at 0, inside the header");
    }

    @Test
    void notACdbAtAll() throws Exception {
        Files.writeString(file, "127.0.0.1:allow\n".repeat(300));
        assertThatThrownBy(() -> Cdb.open(file)).isInstanceOf(CdbFormatException.class);
    }

    @Test
    void aMissingFileIsNotAFormatError() {
        assertThatThrownBy(() -> Cdb.open(dir.resolve("absent.cdb"))).isExactlyInstanceOf(NoSuchFileException.class);
    }

    private void assertRefused(byte[] image, String problem) {
        assertThatThrownBy(() -> Cdb.of(file, image))
                .isInstanceOf(CdbFormatException.class)
                .hasMessageStartingWith(file + ": not a valid cdb: ")
                .hasMessageContaining(problem);
    }

    private boolean assertTrueAnswerOrRefused(byte[] damaged) {
        Cdb cdb;
        try {
            cdb = Cdb.of(file, damaged);
        } catch (CdbFormatException e) {
            assertThat(e.getMessage()).startsWith(file + ": not a valid cdb: ");
            return false;
        }
        assertCorrect(cdb, damaged);
        return true;
    }

    private void assertTrueAnswerOrRefused(Path path, byte[] damaged) throws Exception {
        Cdb cdb;
        try {
            cdb = Cdb.open(path);
        } catch (CdbFormatException e) {
            assertThat(e.file()).isEqualTo(path);
            return;
        }
        assertCorrect(cdb, damaged);
    }

    /** Every key finds the data bytes at its records' places in {@code image}, in order. */
    private static void assertCorrect(Cdb cdb, byte[] image) {
        Map<ByteBuffer, List<byte[]>> expected = new LinkedHashMap<>();
        int pos = 2048;
        for (var e : ENTRIES) {
            int data = pos + 8 + e.getKey().length;
            int end = data + e.getValue().length;
            expected.computeIfAbsent(ByteBuffer.wrap(e.getKey()), k -> new ArrayList<>())
                    .add(Arrays.copyOfRange(image, data, end));
            pos = end;
        }
        assertThat(cdb.size()).isEqualTo(ENTRIES.size());
        expected.forEach((key, data) -> assertThat(cdb.findAll(key.array())).containsExactlyElementsOf(data));
        for (byte[] key : MISSING) {
            assertThat(cdb.findAll(key)).isEmpty();
        }
    }

    /** A cdb holding "a" → "b" alone, in a table of {@code len} slots, at slot {@code slot}. */
    private static byte[] oneRecordOfA(int table, int len, int slot) {
        byte[] b = new byte[2048 + 10 + 8 * len];
        var buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int t = 0; t < 256; t++) {
            buf.putInt(8 * t, t <= table ? 2058 : 2058 + 8 * len).putInt(8 * t + 4, t == table ? len : 0);
        }
        buf.position(2048).putInt(1).putInt(1).put((byte) 'a').put((byte) 'b');
        buf.putInt(2058 + 8 * slot, 0x2b5c4).putInt(2058 + 8 * slot + 4, 2048);
        return b;
    }

    private static int usedSlot(byte[] b) {
        for (int at = (int) CdbBytes.u32(b, 0); at < b.length; at += 8) {
            if (CdbBytes.u32(b, at + 4) != 0) {
                return at;
            }
        }
        throw new AssertionError("no used slot");
    }

    private static byte[] sameTableAs(String key) {
        int table = CdbBytes.hash(key.getBytes(ISO_8859_1)) & 255;
        for (int i = 0; ; i++) {
            byte[] other = ("k" + i).getBytes(ISO_8859_1);
            if ((CdbBytes.hash(other) & 255) == table) {
                return other;
            }
        }
    }

    private static void u32(byte[] b, int at, long v) {
        CdbBytes.putU32(b, at, v);
    }
}
