package org.qmailj.common.cdb;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdbRoundTripTest {
    /** Two keys with the same 32-bit hash (0x00596a24): same table, same start slot. */
    static final byte[] COLLIDE_A = {0, 'a'};
    static final byte[] COLLIDE_B = {1, 0};

    @TempDir
    Path dir;

    @Test
    void hashIsDjbs() {
        assertThat(CdbBytes.hash(new byte[0])).isEqualTo(5381);
        assertThat(CdbBytes.hash("a".getBytes(ISO_8859_1))).isEqualTo(0x2b5c4);
        assertThat(CdbBytes.hash(COLLIDE_A)).isEqualTo(0x596a24).isEqualTo(CdbBytes.hash(COLLIDE_B));
        // Bytes are unsigned.
        assertThat(CdbBytes.hash(new byte[] {(byte) 0xff})).isEqualTo((5381 * 33) ^ 0xff);
    }

    @Test
    void oneRecordHasTheExactLayout() throws Exception {
        Path file = write(List.of(entry("a", "b")));

        byte[] expected = new byte[2048 + 10 + 16];
        var b = ByteBuffer.wrap(expected).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int t = 0; t < 256; t++) {
            b.putInt(8 * t, t <= 196 ? 2058 : 2074);
            b.putInt(8 * t + 4, t == 196 ? 2 : 0); // "a" hashes to 0x2b5c4: table 0xc4 = 196
        }
        b.position(2048).putInt(1).putInt(1).put((byte) 'a').put((byte) 'b');
        b.putInt(0).putInt(0); // slot 0 of table 196 is empty: the search starts at 0x2b5 % 2 = 1
        b.putInt(0x2b5c4).putInt(2048);
        assertThat(HexFormat.of().formatHex(Files.readAllBytes(file))).isEqualTo(HexFormat.of().formatHex(expected));
        assertThat(Cdb.open(file).find("a")).hasValueSatisfying(d -> assertThat(d).containsExactly('b'));
    }

    @Test
    void emptyDatabase() throws Exception {
        Path file = write(List.of());

        assertThat(Files.size(file)).isEqualTo(2048);
        Cdb cdb = Cdb.open(file);
        assertThat(cdb.size()).isZero();
        assertThat(cdb.find("")).isEmpty();
        assertThat(cdb.findAll("x")).isEmpty();
    }

    @Test
    void specialKeysAndData() throws Exception {
        byte[] nulKey = {0, 'x', 0};
        Path file = write(List.of(
                entry("", "empty key"),
                entry("no data", ""),
                Map.entry(nulKey, new byte[] {0, 0, (byte) 0xff}),
                Map.entry(COLLIDE_A, "A".getBytes(ISO_8859_1)),
                entry("dup", "1"), entry("dup", "2"), entry("other", "o"), entry("dup", "3")));

        Cdb cdb = Cdb.open(file);
        assertThat(cdb.size()).isEqualTo(8);
        assertThat(cdb.find("")).hasValueSatisfying(d -> assertThat(new String(d, ISO_8859_1)).isEqualTo("empty key"));
        assertThat(cdb.find("no data")).hasValueSatisfying(d -> assertThat(d).isEmpty());
        assertThat(cdb.find(nulKey)).hasValueSatisfying(d -> assertThat(d).containsExactly(0, 0, 0xff));
        assertThat(cdb.find(new byte[] {0, 'x'})).isEmpty();
        assertThat(cdb.find(COLLIDE_A)).hasValueSatisfying(d -> assertThat(d).containsExactly('A'));
        assertThat(cdb.find(COLLIDE_B)).isEmpty();
        assertThat(cdb.findAll("dup")).extracting(d -> new String(d, ISO_8859_1)).containsExactly("1", "2", "3");
        assertThat(cdb.find("dup")).hasValueSatisfying(d -> assertThat(d).containsExactly('1'));
        assertThat(cdb.find("missing")).isEmpty();
        assertThat(cdb.findAll("missing")).isEmpty();
    }

    @Test
    void duplicatesWrapAroundTheEndOfTheTable() throws Exception {
        // Four "a": table 196 has 8 slots, the search starts at 0x2b5 % 8 = 5 and wraps to slot 0.
        Path file = write(List.of(entry("a", "1"), entry("a", "2"), entry("a", "3"), entry("a", "4")));

        byte[] image = Files.readAllBytes(file);
        assertThat(CdbBytes.u32(image, 2048 + 4 * 10 + 8 * 0 + 4)).isEqualTo(2048 + 3 * 10);
        assertThat(Cdb.open(file).findAll("a")).extracting(d -> new String(d, ISO_8859_1))
                .containsExactly("1", "2", "3", "4");
    }

    @Test
    void resultsAreCopies() throws Exception {
        Cdb cdb = Cdb.open(write(List.of(entry("k", "v"))));

        cdb.find("k").orElseThrow()[0] = 'X';
        cdb.findAll("k").getFirst()[0] = 'Y';
        assertThat(cdb.find("k")).hasValueSatisfying(d -> assertThat(d).containsExactly('v'));
        assertThatThrownBy(() -> cdb.findAll("k").add(new byte[0])).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void stringKeysAreOneBytePerChar() throws Exception {
        Cdb cdb = Cdb.open(write(List.of(Map.entry(new byte[] {(byte) 0xe9}, new byte[] {1}))));

        assertThat(cdb.find("\u00e9")).isPresent();
        assertThatThrownBy(() -> cdb.find("\u20ac")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void manyRandomKeysWithDuplicates() throws Exception {
        var random = new Random(4711);
        List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>();
        Map<ByteBuffer, List<byte[]>> expected = new LinkedHashMap<>();
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            byte[] key = i > 0 && random.nextInt(10) == 0 ? keys.get(random.nextInt(keys.size())) : bytes(random, 12);
            byte[] data = bytes(random, 40);
            keys.add(key);
            entries.add(Map.entry(key, data));
            expected.computeIfAbsent(ByteBuffer.wrap(key), k -> new ArrayList<>()).add(data);
        }

        Cdb cdb = Cdb.open(write(entries));

        assertThat(cdb.size()).isEqualTo(5000);
        expected.forEach((key, data) -> {
            assertThat(cdb.findAll(key.array())).containsExactlyElementsOf(data);
            assertThat(cdb.find(key.array())).hasValueSatisfying(d -> assertThat(d).isEqualTo(data.getFirst()));
        });
        for (int i = 0; i < 2000; i++) {
            byte[] key = bytes(random, 12);
            if (!expected.containsKey(ByteBuffer.wrap(key))) {
                assertThat(cdb.find(key)).isEmpty();
            }
        }
    }

    /** Random length 0..max, every byte value including NUL. */
    static byte[] bytes(Random random, int max) {
        byte[] b = new byte[random.nextInt(max + 1)];
        random.nextBytes(b);
        return b;
    }

    static Map.Entry<byte[], byte[]> entry(String key, String data) {
        return Map.entry(key.getBytes(ISO_8859_1), data.getBytes(ISO_8859_1));
    }

    private Path write(List<Map.Entry<byte[], byte[]>> entries) throws Exception {
        Path file = dir.resolve("test.cdb");
        try (var w = CdbWriter.create(file)) {
            for (var e : entries) {
                w.add(e.getKey(), e.getValue());
            }
            w.finish();
        }
        return file;
    }
}
