package org.qmailj.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The AOT training run of lib/qmail.aot. */
class TrainingTest {
    @Test
    void trainingRunsAndWritesNothingIntoTheHome(@TempDir Path tmp) throws Exception {
        Path home = tmp.resolve("qmail");
        Files.createDirectories(home.resolve("control"));
        Files.writeString(home.resolve("control/me"), "training.example\n");
        Training.main(new String[] {home.toString()});
        try (Stream<Path> s = Files.walk(home)) {
            assertThat(s.filter(Files::isRegularFile).toList()).as("nothing written into the home")
                    .containsExactly(home.resolve("control/me"));
        }
    }
}
