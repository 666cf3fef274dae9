package org.qmailj.common.cdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdbWriterTest {
    @TempDir
    Path dir;

    @Test
    void buildsInTmpAndRenamesOverTheOldFile() throws Exception {
        Path target = dir.resolve("users.cdb");
        Path tmp = dir.resolve("users.cdb.tmp");
        write(target, "k", "old");

        try (var w = CdbWriter.create(target)) {
            w.add("k", "new");
            assertThat(tmp).exists();
            assertThat(Cdb.open(target).find("k")).hasValueSatisfying(d -> assertThat(d).containsExactly("old".getBytes()));
            w.finish();
        }

        assertThat(tmp).doesNotExist();
        assertThat(Cdb.open(target).find("k")).hasValueSatisfying(d -> assertThat(d).containsExactly("new".getBytes()));
    }

    @Test
    void anExistingTmpIsOverwritten() throws Exception {
        Path target = dir.resolve("rules.cdb");
        Path tmp = dir.resolve("rules.tmp");
        Files.write(tmp, new byte[100_000]);

        try (var w = CdbWriter.create(target, tmp)) {
            w.add("k", "v");
            w.finish();
        }

        assertThat(Files.size(target)).isEqualTo(2048 + 10 + 16);
        assertThat(tmp).doesNotExist();
    }

    @Test
    void closeWithoutFinishAbandonsTheTmpAndKeepsTheTarget() throws Exception {
        Path target = dir.resolve("rules.cdb");
        write(target, "k", "old");
        byte[] before = Files.readAllBytes(target);

        try (var w = CdbWriter.create(target)) {
            w.add("k", "new");
        }

        assertThat(dir.resolve("rules.cdb.tmp")).doesNotExist();
        assertThat(target).hasBinaryContent(before);
    }

    @Test
    void aFailedRenameDeletesTheTmp() throws Exception {
        Path target = dir.resolve("taken");
        Files.createDirectories(target.resolve("not-empty"));
        Path tmp = dir.resolve("taken.tmp");

        try (var w = CdbWriter.create(target, tmp)) {
            w.add("k", "v");
            assertThatThrownBy(w::finish).isInstanceOf(IOException.class);
            assertThat(tmp).doesNotExist();
            assertThatThrownBy(() -> w.add("k", "v")).isInstanceOf(IllegalStateException.class);
        }
        assertThat(target).isDirectory();
    }

    @Test
    void noAddAfterFinish() throws Exception {
        try (var w = CdbWriter.create(dir.resolve("x.cdb"))) {
            w.finish();
            assertThatThrownBy(() -> w.add("k", "v")).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class);
        }
        assertThat(Cdb.open(dir.resolve("x.cdb")).size()).isZero();
    }

    @Test
    void sizeLimitIsExactAndFailureDeletesTheTmp() throws Exception {
        Path target = dir.resolve("big.cdb");
        Path tmp = dir.resolve("big.tmp");
        // Room for exactly one 10-byte record and its two slots.
        long limit = 2048 + 10 + 16;

        try (var w = new CdbWriter(target, tmp, limit)) {
            w.add("a", "b");
            assertThatThrownBy(() -> w.add("", ""))
                    .isInstanceOf(IOException.class)
                    .hasMessage(tmp + ": cdb would be larger than 4 GiB");
            assertThat(tmp).doesNotExist();
            assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class);
        }
        assertThat(target).doesNotExist();

        try (var w = new CdbWriter(target, tmp, limit)) {
            w.add("a", "b");
            w.finish();
        }
        assertThat(Files.size(target)).isEqualTo(limit);
        assertThat(CdbWriter.MAX_SIZE).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void stringDataMustBeOneBytePerChar() throws Exception {
        try (var w = CdbWriter.create(dir.resolve("x.cdb"))) {
            assertThatThrownBy(() -> w.add("k", "\u20ac")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static void write(Path target, String key, String data) throws IOException {
        try (var w = CdbWriter.create(target)) {
            w.add(key, data);
            w.finish();
        }
    }
}
