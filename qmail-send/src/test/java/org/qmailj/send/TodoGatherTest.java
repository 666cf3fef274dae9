package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messages committed a millisecond apart, each pulling lock/trigger, are taken a few at a pass:
 * after a pass that found messages the todo thread waits {@link Todo#GATHER_MILLIS} before it
 * looks again. A pass writes its log lines in one write, so the writes to the log count the
 * passes; every message is still preprocessed once.
 */
class TodoGatherTest {
    private static final int MESSAGES = 30;

    @TempDir Path home;

    @Test
    void messagesCommittedApartAreTakenTogether() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        AtomicInteger writes = new AtomicInteger();
        OutputStream log = new OutputStream() {
            @Override public void write(int b) { }
            @Override public void write(byte[] b, int off, int len) { }
            @Override public void flush() { writes.incrementAndGet(); }
        };
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Todo todo = tq.todo(log, events);
        todo.start();
        try {
            long first = tq.inject("gather-first@x", "s@domain", "me");
            Event e0 = events.poll(60, TimeUnit.SECONDS);
            assertThat(e0).isInstanceOfSatisfying(Event.Preprocessed.class, p -> assertThat(p.id()).isEqualTo(first));
            int before = writes.get();
            Set<Long> injected = new HashSet<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < MESSAGES; i++) {
                injected.add(tq.inject("gather-" + i + "@x", "s@domain", "me"));
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            Set<Long> preprocessed = new HashSet<>();
            while (preprocessed.size() < MESSAGES) {
                Event e = events.poll(60, TimeUnit.SECONDS);
                assertThat(e).as("preprocessed so far: %s", preprocessed).isInstanceOf(Event.Preprocessed.class);
                assertThat(preprocessed.add(((Event.Preprocessed) e).id())).isTrue();
            }
            assertThat(preprocessed).isEqualTo(injected);
            int passes = writes.get() - before;
            System.out.println("todo gather: " + MESSAGES + " messages in " + elapsedMillis + " ms, " + passes + " passes");
            // One pass per wait at most: the one the first message wakes, then one per wait
            // begun before the last message came (and the rounding of the elapsed time).
            assertThat(passes).isLessThanOrEqualTo((int) (elapsedMillis / Todo.GATHER_MILLIS) + 3);
        } finally {
            todo.stop();
        }
    }
}
