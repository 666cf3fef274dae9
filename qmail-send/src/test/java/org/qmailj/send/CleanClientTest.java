package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.qmailj.clean.CleanReply;
import org.qmailj.clean.CleanRequest;

class CleanClientTest {
    @Test
    void aBatchGoesOutInOneWriteAndTheRepliesCompleteItInOrder() throws Exception {
        SendLogTest.Writes toClean = new SendLogTest.Writes();
        PipedOutputStream replies = new PipedOutputStream();
        PipedInputStream fromClean = new PipedInputStream(replies);
        CleanClient client = new CleanClient(fromClean, toClean);
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        client.startReader(events);

        List<CompletableFuture<CleanReply>> fs = client.send(List.of(new CleanRequest(CleanRequest.Kind.TODO, 1),
                new CleanRequest(CleanRequest.Kind.FOOP, 2), new CleanRequest(CleanRequest.Kind.TODO, 3)));
        assertThat(toClean.writes).containsExactly("todo/1\0foop/2\0todo/3\0");
        assertThat(fs).noneMatch(CompletableFuture::isDone);

        replies.write("+!".getBytes());
        replies.flush();
        assertThat(CleanClient.await(fs.get(0))).isEqualTo(CleanReply.DONE);
        assertThat(CleanClient.await(fs.get(1))).isEqualTo(CleanReply.FAILED);
        assertThat(fs.get(2)).isNotDone();

        // qmail-clean goes away: what is pending fails, the scheduler hears of it, sends throw.
        replies.close();
        assertThatThrownBy(() -> CleanClient.await(fs.get(2))).isInstanceOf(IOException.class);
        assertThat(events.poll(60, TimeUnit.SECONDS)).isInstanceOf(Event.LostClean.class);
        assertThatThrownBy(() -> client.clean(new CleanRequest(CleanRequest.Kind.FOOP, 4))).isInstanceOf(IOException.class);
    }
}
