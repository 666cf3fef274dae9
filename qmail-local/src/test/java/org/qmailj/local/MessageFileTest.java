package org.qmailj.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Fd;

/**
 * The message read once: its first block is kept for every reader, the rest is read with
 * pread, and with the size given nothing past it is read.
 */
class MessageFileTest {
    @TempDir
    Path dir;

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    /** Everything {@code in} gives, {@code step} bytes per read (1: read() alone). */
    static byte[] readAll(InputStream in, int step) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (step == 1) {
            int c;
            while ((c = in.read()) >= 0) out.write(c);
        } else {
            byte[] b = new byte[step];
            int n;
            while ((n = in.read(b, 0, step)) >= 0) out.write(b, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void everySizeAndReadPatternGivesTheFileFromAnyOffset() throws IOException {
        for (int size : new int[] {0, 1, 2164, 65535, 65536, 65537, 200_000}) {
            byte[] data = random(size);
            Path f = Files.write(dir.resolve("m" + size), data);
            for (boolean known : new boolean[] {true, false}) {
                try (MessageFile m = known ? MessageFile.of(Fd.open(f, Fd.O_RDONLY, 0), size)
                        : MessageFile.of(Fd.open(f, Fd.O_RDONLY, 0))) {
                    for (int step : new int[] {1, 100, 8192, 70_000}) {
                        assertThat(readAll(m.open(), step)).as("size %d known %s step %d", size, known, step).isEqualTo(data);
                    }
                    for (int from : new int[] {0, 1, 65536, size}) {
                        if (from > size) continue;
                        assertThat(readAll(m.open(from), 8192)).as("size %d from %d", size, from)
                                .isEqualTo(Arrays.copyOfRange(data, from, size));
                    }
                    assertThat(m.firstLength()).isEqualTo(Math.min(size, 65536));
                    assertThat(m.allInFirst()).isEqualTo(size < 65536 || (known && size == 65536));
                }
            }
        }
    }

    @Test
    void theFirstBlockIsReadOnceAndNothingPastTheSizeIsRead() throws IOException {
        Path f = Files.writeString(dir.resolve("m"), "Subject: one\n\nbody\n");
        try (MessageFile m = MessageFile.of(Fd.open(f, Fd.O_RDONLY, 0), 19)) {
            assertThat(new String(m.open().readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("Subject: one\n\nbody\n");
            // Changed in place and grown: the kept block is what every later reader gets, and
            // the bytes past the size given are never read.
            Files.writeString(f, "Subject: two\n\nbody\nmore", StandardOpenOption.TRUNCATE_EXISTING);
            assertThat(new String(m.open().readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("Subject: one\n\nbody\n");
        }
        // Without a size, a file read to its end.
        try (MessageFile m = MessageFile.of(Fd.open(f, Fd.O_RDONLY, 0))) {
            assertThat(new String(m.open().readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("Subject: two\n\nbody\nmore");
        }
    }

    @Test
    void aBigMessageGoesWholeIntoAMaildirAfterItsHead() throws Exception {
        byte[] data = random(300_000);
        Path f = Files.write(dir.resolve("big"), data);
        Path md = dir.resolve("Maildir");
        for (String d : new String[] {"tmp", "new", "cur"}) Files.createDirectories(md.resolve(d));
        byte[] head = "Delivered-To: u\n".getBytes(StandardCharsets.ISO_8859_1);
        for (boolean known : new boolean[] {true, false}) {
            try (MessageFile m = known ? MessageFile.of(Fd.open(f, Fd.O_RDONLY, 0), data.length)
                    : MessageFile.of(Fd.open(f, Fd.O_RDONLY, 0))) {
                Path got = Maildir.deliver(md, head, m);
                byte[] want = new byte[head.length + data.length];
                System.arraycopy(head, 0, want, 0, head.length);
                System.arraycopy(data, 0, want, head.length, data.length);
                assertThat(Files.readAllBytes(got)).isEqualTo(want);
            }
        }
    }
}
