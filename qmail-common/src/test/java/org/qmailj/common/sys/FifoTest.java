package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FifoTest {

    @Test
    void makeCreatesAFifoWithTheModeLessUmask(@TempDir Path dir) throws Exception {
        Path trigger = dir.resolve("trigger");
        int old = Umask.set(022);
        try {
            Fifo.make(trigger, 0622);
        } finally {
            Umask.set(old);
        }

        assertThat(Files.readAttributes(trigger, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).isOther()).isTrue();
        // S_IFIFO is 010000 in st_mode.
        int mode = (int) Files.getAttribute(trigger, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        assertThat(mode & 0170000).isEqualTo(0010000);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(trigger)))
                .isEqualTo("rw-------");
    }

    @Test
    void makeOverAnExistingFileIsEexistWithQmailStyleMessage(@TempDir Path dir) throws Exception {
        Path trigger = dir.resolve("trigger");
        Fifo.make(trigger, 0600);

        assertThatThrownBy(() -> Fifo.make(trigger, 0600))
                .isInstanceOfSatisfying(SysException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EEXIST);
                    assertThat(e).hasMessage("mkfifo " + trigger + ": File exists (errno 17)");
                });
    }

    @Test
    void pullWithNoReaderReturnsFalse(@TempDir Path dir) throws Exception {
        Path trigger = dir.resolve("trigger");
        Fifo.make(trigger, 0600);

        assertThat(Fifo.pull(trigger)).isFalse();
    }

    @Test
    void pullOfAMissingFifoThrowsEnoent(@TempDir Path dir) {
        assertThatThrownBy(() -> Fifo.pull(dir.resolve("missing")))
                .isInstanceOfSatisfying(SysException.class,
                        e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    }

    @Test
    void pullWithAReaderDeliversExactlyOneByte(@TempDir Path dir) throws Exception {
        Path trigger = dir.resolve("trigger");
        Fifo.make(trigger, 0600);
        int reader = Fifo.openRead(trigger);
        try {
            byte[] buf = new byte[16];
            assertThat(Fd.read(reader, buf, 0, buf.length)).as("nothing pending yet").isZero();

            assertThat(Fifo.pull(trigger)).isTrue();

            assertThat(Fd.poll(reader, Fd.POLLIN, 1000) & Fd.POLLIN).isNotZero();
            assertThat(Fd.read(reader, buf, 0, buf.length)).isEqualTo(1);
            assertThat(buf[0]).isZero();
            // The puller closed its end and nobody else writes: end of file, no more bytes.
            assertThat(Fd.read(reader, buf, 0, buf.length)).isZero();
        } finally {
            Fd.close(reader);
        }
    }

    @Test
    void readerHoldingItsOwnWriteEndSeesEagainNotEof(@TempDir Path dir) throws Exception {
        // qmail-send's arrangement: it keeps a write descriptor so the fifo never hits EOF.
        Path trigger = dir.resolve("trigger");
        Fifo.make(trigger, 0600);
        int reader = Fifo.openRead(trigger);
        int writer = Fifo.openWrite(trigger);
        try {
            byte[] buf = new byte[16];
            assertThat(Fd.read(reader, buf, 0, buf.length)).isEqualTo(-1);
            assertThat(Fd.poll(reader, Fd.POLLIN, 0)).isZero();

            assertThat(Fifo.pull(trigger)).isTrue();
            assertThat(Fifo.pull(trigger)).isTrue();

            assertThat(Fd.read(reader, buf, 0, buf.length)).isEqualTo(2);
            assertThat(Fd.read(reader, buf, 0, buf.length)).isEqualTo(-1);
        } finally {
            Fd.close(writer);
            Fd.close(reader);
        }
    }

    @Test
    void openWriteWithNoReaderIsEnxio(@TempDir Path dir) throws Exception {
        Path trigger = dir.resolve("trigger");
        Fifo.make(trigger, 0600);

        assertThatThrownBy(() -> Fifo.openWrite(trigger))
                .isInstanceOfSatisfying(SysException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENXIO);
                    assertThat(e).hasMessage(
                            "open " + trigger + ": No such device or address (errno 6)");
                });
    }
}
