package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnlinkTest {

    @Test
    void removesAFileAndSaysSo(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        assertThat(Unlink.ifExists(f)).isTrue();
        assertThat(f).doesNotExist();
    }

    @Test
    void aMissingFileIsAlreadyGone(@TempDir Path dir) throws Exception {
        assertThat(Unlink.ifExists(dir.resolve("missing"))).isFalse();
    }

    @Test
    void otherErrorsThrowWithTheirErrno(@TempDir Path dir) throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));
        // unlink(2) of a directory: EISDIR on Linux
        assertThatThrownBy(() -> Unlink.ifExists(d)).isInstanceOfSatisfying(SysException.class,
                e -> assertThat(e.errno()).isEqualTo(21));
        assertThat(d).isDirectory();
    }
}
