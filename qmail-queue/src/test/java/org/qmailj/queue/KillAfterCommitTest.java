package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;

/**
 * Finding 5 of the hostile review: the writer (a child JVM) is killed with SIGKILL exactly
 * between linking todo/N and answering (its test hook QMAILQUEUED_TEST_KILL_AFTER_COMMIT, set
 * in its own environment, which no client can reach). qmail-send then takes N (info/N,
 * local/N; intd/N and todo/N go). The client's resolve against the restarted writer must say
 * "queued", so the sender does not retry and the message is delivered once.
 */
class KillAfterCommitTest {
    @TempDir Path dir;

    @Test
    void aCommitWhoseAnswerIsLostIsReportedAsQueued() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        String cp = System.getProperty("java.class.path");
        Process killed = WriterDaemonTest.startDaemon(cp, t, Map.of("QMAILQUEUED_TEST_KILL_AFTER_COMMIT", "1"),
                List.of("-XX:TieredStopAtLevel=1"), ProcessBuilder.Redirect.DISCARD);
        QueueClient client = new SocketQueueClient(WriterProtocol.socket(t.queue), null, 120_000);
        CompletableFuture<QueueResult> result = CompletableFuture.supplyAsync(() -> {
            try (QueueClient.Session s = client.open()) {
                s.message().write(bytes("Subject: once\n\nonly once\n"));
                return s.commit(new Envelope("me@x", List.of("you@y")));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(killed.waitFor(60, TimeUnit.SECONDS)).as("the writer killed itself").isTrue();
        assertThat(killed.exitValue()).isEqualTo(128 + 9);
        assertThat(result).as("the client waits for a writer to resolve").isNotDone();
        List<Long> todo = t.todo();
        assertThat(todo).as("committed before the kill").hasSize(1);
        long n = todo.getFirst();

        // qmail-send takes the message before a writer is back.
        String split = Long.toString(n % 23);
        Files.write(t.queue.dir("info").resolve(split).resolve(Long.toString(n)), bytes("Fme@x\0"));
        Files.write(t.queue.dir("local").resolve(split).resolve(Long.toString(n)), bytes("Tyou@y\0"));
        Files.delete(t.queue.intd(n));
        Files.delete(t.queue.todo(n));

        Process writer = WriterDaemonTest.startDaemon(cp, t);
        try {
            QueueResult r = result.get(120, TimeUnit.SECONDS);
            assertThat(r.ok()).as("the sender hears success: " + r).isTrue();
            assertThat(r.exit()).isZero();
        } finally {
            writer.destroy();
            writer.waitFor(10, TimeUnit.SECONDS);
        }
        // One copy, in qmail-send's hands; nothing else in the queue.
        assertThat(t.leftovers()).containsExactly(t.queue.mess(n));
        assertThat(TestHome.str(t.mess(n))).endsWith("only once\n");
        assertThat(t.files("info", "local")).hasSize(2);
    }
}
