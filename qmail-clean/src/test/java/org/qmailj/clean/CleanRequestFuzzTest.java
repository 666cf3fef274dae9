package org.qmailj.clean;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.qmailj.common.queue.QueueLayout;

/**
 * qmail-clean's command reader on arbitrary bytes from qmail-send: one reply byte per
 * NUL-ended command, {@code +} for exactly the commands {@code foop/N} and {@code todo/N}
 * (N of 1 to 18 digits, at most {@link CleanRequest#MAX} bytes in all) and {@code x} for
 * anything else, and no file removed but those a command names.
 */
class CleanRequestFuzzTest {
    private static final Pattern COMMAND = Pattern.compile("(foop|todo)/[0-9]{1,18}");
    private static Path root;
    private static QueueLayout queue;

    @BeforeAll
    static void makeQueue() throws IOException {
        root = Files.createTempDirectory("cleanfuzz");
        queue = new QueueLayout(root.resolve("queue"));
        for (String d : new String[] {"intd", "todo", "mess", "pid"}) {
            Files.createDirectories(root.resolve("queue").resolve(d));
        }
        Files.writeString(root.resolve("outside"), "keep");
        Files.writeString(root.resolve("queue/intd/x"), "keep");
        Files.writeString(root.resolve("queue/todo/x"), "keep");
    }

    @AfterAll
    static void removeQueue() throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @FuzzTest(maxDuration = "5m")
    void commands(byte[] b) throws IOException {
        ByteArrayOutputStream replies = new ByteArrayOutputStream();
        new QmailClean(queue).serve(new ByteArrayInputStream(b), replies);

        StringBuilder want = new StringBuilder();
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] != 0) continue;
            String cmd = new String(b, start, i - start, StandardCharsets.ISO_8859_1);
            want.append(COMMAND.matcher(cmd).matches() ? '+' : 'x');
            if (COMMAND.matcher(cmd).matches()) {
                CleanRequest r = CleanRequest.parse(java.util.Arrays.copyOfRange(b, start, i), i - start);
                assertThat(new String(r.encode(), StandardCharsets.ISO_8859_1)).isEqualTo(r.name() + "\0");
            }
            start = i + 1;
        }
        assertThat(replies.toString(StandardCharsets.ISO_8859_1)).isEqualTo(want.toString());
        assertThat(root.resolve("outside")).exists();
        assertThat(root.resolve("queue/intd/x")).exists();
        assertThat(root.resolve("queue/todo/x")).exists();
    }
}
