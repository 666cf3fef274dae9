package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Fifo;

/**
 * A message on its first attempt keeps todo/N, and scans leave it alone. When it is finished,
 * qmail-clean removes todo/N, then mess/N, and only then replies; in between a new message can
 * get the number (the inode of its mess/N) and its todo/N. A scan in that window leaves the
 * new todo/N alone too: once the reply comes, another scan must follow at once, not after
 * Todo.SLEEP_TODO seconds. The window is simulated with the same todo/N, since a test cannot
 * choose an inode number; the scheduler's part is the call of Todo.finishing.
 */
class TodoRenumberTest {
    @TempDir Path home;

    @Test
    void aNewMessageWithTheNumberOfOneBeingFinishedIsScannedOnceThatOneIsGone() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        long n = tq.inject("renumber@x", "s@domain", "me");
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Todo todo = tq.todo(logBytes, events);
        int rfd = Fifo.openRead(tq.q.trigger());
        int wfd = Fifo.openWrite(tq.q.trigger()); // held, as the todo thread does: no hang-up after a pull
        try {
            todo.scan();
            assertThat(events.poll()).isInstanceOfSatisfying(Event.Preprocessed.class, p -> assertThat(p.id()).isEqualTo(n));
            // First attempt: todo/N and intd/N kept, no info/N or local/N written.
            assertThat(tq.q.todo(n)).exists();
            assertThat(tq.q.intd(n)).exists();
            assertThat(tq.q.info(n)).doesNotExist();
            assertThat(tq.q.local(n)).doesNotExist();
            todo.scan();
            assertThat(events).as("todo/N kept on purpose is not preprocessed again").isEmpty();

            // Delivered: the scheduler finishes the message (qmail-clean gets todo/N, then mess/N).
            todo.finishing(n);
            drain(rfd);
            // A scan while qmail-clean works: the todo/N there is (here: stands for) the new message's.
            todo.scan();
            assertThat(events).isEmpty();
            assertThat(Fd.poll(rfd, Fd.POLLIN, 0)).as("no scan asked for yet").isZero();
            // qmail-clean's reply that the old todo/N is gone: a scan is asked for, and finds the new one.
            todo.finished(n);
            assertThat(Fd.poll(rfd, Fd.POLLIN, 5000)).as("lock/trigger pulled").isNotZero();
            todo.scan();
            assertThat(events.poll()).isInstanceOfSatisfying(Event.Preprocessed.class, p -> assertThat(p.id()).isEqualTo(n));
            assertThat(logBytes.toString(StandardCharsets.ISO_8859_1).lines().filter(l -> l.equals("new msg " + n))).hasSize(2);
            assertThat(logBytes.toString(StandardCharsets.ISO_8859_1)).doesNotContain("warning");

            // Finished with no scan in between: no scan is asked for (none is needed).
            todo.finishing(n);
            drain(rfd);
            todo.finished(n);
            assertThat(Fd.poll(rfd, Fd.POLLIN, 200)).isZero();
        } finally {
            Fd.close(wfd);
            Fd.close(rfd);
        }
    }

    private static void drain(int fd) throws Exception {
        byte[] b = new byte[64];
        while (Fd.poll(fd, Fd.POLLIN, 0) != 0 && Fd.read(fd, b, 0, b.length) > 0) {
            // trigger bytes carry nothing
        }
    }
}
