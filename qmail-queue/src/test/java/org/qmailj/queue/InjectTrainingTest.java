package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.queue.SocketQueueClient;

/** The injection tools' AOT training run (lib/aot-train-inject) and its stand-in queue writer. */
class InjectTrainingTest {
    @Test
    void standInWriterAnswersTheSocketClientAsTheWriterDoes(@TempDir Path tmp) throws Exception {
        try (TrainingWriter w = TrainingWriter.start(tmp.resolve("w.sock"), 2)) {
            SocketQueueClient client = new SocketQueueClient(w.socket(), null, 1_000);
            for (int i = 1; i <= 2; i++) {
                try (QueueClient.Session s = client.open()) {
                    s.message().write("Subject: x\n\nbody\n".repeat(2_000).getBytes(StandardCharsets.ISO_8859_1));
                    QueueResult r = s.commit(new Envelope("a@b.example", List.of("c@d.example")));
                    assertThat(r.ok()).as(r.toString()).isTrue();
                    assertThat(r.qp()).as("the writer's message number is the qp").isEqualTo(i);
                }
            }
            w.await();
        }
    }

    @Test
    void standInWriterReportsABrokenSession(@TempDir Path tmp) throws Exception {
        try (TrainingWriter w = TrainingWriter.start(tmp.resolve("w.sock"), 1)) {
            try (var ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(w.socket()))) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {'Z'}));
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(w::await).isInstanceOf(IOException.class);
        }
    }

    @Test
    void trainingRunsTheInjectionToolsAndLeavesNothingBehind(@TempDir Path tmp) throws Exception {
        Path home = tmp.resolve("qmail");
        Files.createDirectories(home.resolve("control"));
        Files.writeString(home.resolve("control/me"), "training.example\n");
        Path scratch = Files.createDirectory(tmp.resolve("s")); // a socket path has at most 107 bytes
        InjectTraining.train(new org.qmailj.common.QmailHome(home),
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), scratch);
        try (Stream<Path> s = Files.list(scratch)) {
            assertThat(s.toList()).as("the temporary QMAIL_HOME with the stand-in writer's socket is removed").isEmpty();
        }
        try (Stream<Path> s = Files.walk(home)) {
            assertThat(s.filter(Files::isRegularFile).toList()).as("nothing written into the home")
                    .containsExactly(home.resolve("control/me"));
        }
    }
}
