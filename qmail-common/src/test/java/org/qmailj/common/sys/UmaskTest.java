package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UmaskTest {

    @Test
    void maskAppliesToCreatedFilesAndOldValueComesBack(@TempDir Path dir) throws Exception {
        int original = Umask.set(027);
        try {
            // open(2) asks for 0666; 0666 & ~027 = 0640.
            Path file = Files.createFile(dir.resolve("f"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .isEqualTo("rw-r-----");

            assertThat(Umask.set(077)).isEqualTo(027);
            Path other = Files.createFile(dir.resolve("g"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(other)))
                    .isEqualTo("rw-------");
        } finally {
            assertThat(Umask.set(original)).isEqualTo(077);
        }
    }
}
