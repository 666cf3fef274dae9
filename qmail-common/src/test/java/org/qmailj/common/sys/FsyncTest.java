package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsyncTest {

    @Test
    void dirFsyncsADirectory(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("f"), "x");
        Fsync.dir(dir);
    }

    @Test
    void missingDirectoryThrows(@TempDir Path dir) {
        assertThatThrownBy(() -> Fsync.dir(dir.resolve("missing")))
                .isInstanceOf(NoSuchFileException.class);
    }
}
