package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.RecipientFile;

/**
 * The chart's cheap count of the queue agrees with a full census, and a census that was
 * expensive to make is reused for longer.
 */
class QueueCensusTest {
    @TempDir
    Path root;

    @Test
    void theSamplersCountIsTheCensusCount() throws IOException {
        QueueLayout q = new QueueLayout(root);
        for (String d : List.of("info", "local", "remote")) {
            for (int i = 0; i < QueueLayout.SPLIT; i++) {
                if (!(d.equals("remote") && i == 4)) Files.createDirectories(q.dir(d).resolve(Integer.toString(i))); // one split missing
            }
        }
        Files.createDirectories(q.dir("todo"));
        Files.createDirectories(q.dir("bounce"));
        byte[] two = RecipientFile.encode(List.of("Talice@example.org", "Tbob@example.org"));
        // 5: preprocessed but its todo/ file not yet removed: counted once, as todo.
        Files.writeString(q.dir("todo").resolve("5"), "");
        Files.writeString(q.info(5), "Fs@example.org\0");
        Files.write(q.local(5), two);
        // 6: not yet preprocessed.
        Files.writeString(q.dir("todo").resolve("6"), "");
        // 7, 8, 100: queued.
        for (long id : new long[] {7, 8, 100}) {
            Files.writeString(q.info(id), "Fs@example.org\0");
            Files.write(id == 8 ? q.remote(id) : q.local(id), two);
        }
        // Not messages: left out by both.
        Files.writeString(q.dir("info").resolve("3").resolve("junk"), "");
        Files.writeString(q.dir("todo").resolve("junk"), "");

        QueueCensus c = QueueCensus.scan(q);
        assertThat(c.todo()).isEqualTo(2);
        assertThat(c.queued()).isEqualTo(3);
        assertThat(c.messages()).isEqualTo(5);
        assertThat(c.pending()[Channel.LOCAL.ordinal()]).isEqualTo(6);
        assertThat(QueueCensus.queueSize(q)).isEqualTo(c.messages());

        Files.delete(q.dir("todo").resolve("5"));
        Files.delete(q.info(100));
        assertThat(QueueCensus.queueSize(q)).isEqualTo(QueueCensus.scan(q).messages()).isEqualTo(4);
    }

    @Test
    void aCensusIsReusedForTenTimesWhatItCost() {
        assertThat(StatusServer.stale(900, 2)).isFalse();
        assertThat(StatusServer.stale(1001, 2)).isTrue();
        assertThat(StatusServer.stale(20_000, 2_700)).isFalse();
        assertThat(StatusServer.stale(27_001, 2_700)).isTrue();
    }
}
