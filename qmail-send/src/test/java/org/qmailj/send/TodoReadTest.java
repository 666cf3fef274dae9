package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Fifo;

/**
 * todo/N read by its size (Todo.readWhole): every byte of files of any size, and of a file
 * that holds more than its size said (a fifo: size 0, then data), to its end.
 */
class TodoReadTest {
    @TempDir Path dir;

    @Test
    void wholeFilesOfAnySize() throws Exception {
        Random rnd = new Random(14);
        for (int size : new int[] {0, 1, 2, 4095, 4096, 4097, 65536, 3_000_001}) {
            byte[] b = new byte[size];
            rnd.nextBytes(b);
            Path p = dir.resolve("t" + size);
            Files.write(p, b);
            assertThat(Todo.readWhole(p)).as("size %d", size).isEqualTo(b);
        }
    }

    @Test
    void moreThanTheSizeSaidIsReadToTheEnd() throws Exception {
        Path fifo = dir.resolve("fifo");
        Fifo.make(fifo, 0600);
        byte[] data = new byte[100_000];
        new Random(15).nextBytes(data);
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                Files.write(fifo, data);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(Todo.readWhole(fifo)).isEqualTo(data);
        writer.join();
    }
}
