package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The todo thread hands the scheduler at most Todo.inHandLimit messages at a time (each is a
 * Fresh in qmail-send's heap); the rest waits in todo/ on disk. Driven by hand here: scan()
 * as the todo thread would call it, released() as the scheduler does when it lets a message go.
 */
class TodoInHandTest {
    @TempDir Path home;

    /** Messages handed on since the last call, by number; each one's Fresh kept in {@code fresh} for release(). */
    private final java.util.Map<Long, Fresh> fresh = new java.util.HashMap<>();

    private List<Long> handed(LinkedBlockingQueue<Event> events) {
        List<Event> es = new ArrayList<>();
        events.drainTo(es);
        List<Long> ids = new ArrayList<>();
        for (Event e : es) {
            Event.Preprocessed p = (Event.Preprocessed) e;
            fresh.put(p.id(), p.fresh());
            ids.add(p.id());
        }
        return ids;
    }

    /** What the scheduler does when it lets message {@code id} go. */
    private void release(Todo todo, long id) {
        todo.released(fresh.remove(id).weight);
    }

    private static long newMsgLines(ByteArrayOutputStream log) {
        return log.toString(StandardCharsets.ISO_8859_1).lines().filter(l -> l.startsWith("new msg ")).count();
    }

    @Test
    void aBacklogIsHandedOnInTurnsAndEveryMessageGetsItsTurn() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        Set<Long> queued = new HashSet<>();
        for (int i = 0; i < 12; i++) queued.add(tq.inject("backlog" + i + "@x", "s@domain", "u" + i));
        // A leftover of an attempt before this start, for a message the first pass cannot take:
        // the largest number (the first pass takes the five smallest).
        long last = queued.stream().max(Long::compare).orElseThrow();
        Files.write(tq.q.info(last), TestQueue.b("Fstale@domain\0"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Todo todo = tq.todo(log, events);
        todo.inHandLimit = 5;

        assertThat(todo.scan()).isEqualTo(5);
        List<Long> first = handed(events);
        assertThat(first).hasSize(5).doesNotHaveDuplicates();
        assertThat(todo.inHand()).isEqualTo(5);
        assertThat(newMsgLines(log)).isEqualTo(5);
        // Nothing more while the hand is full, and nothing written: the rest waits in todo/.
        assertThat(todo.scan()).isZero();
        assertThat(handed(events)).isEmpty();
        try (var s = Files.list(tq.q.dir("todo"))) {
            assertThat(s.count()).isEqualTo(12);
        }
        assertThat(tq.q.info(last)).exists();

        // Two let go: three in hand, more than half the limit. The next pass waits for half.
        release(todo, first.get(0));
        release(todo, first.get(1));
        assertThat(todo.inHand()).isEqualTo(3);
        assertThat(todo.scan()).isZero();
        // A third: two in hand, room for three, taken from the numbers after the last one
        // handed (the ones in hand are not preprocessed again).
        release(todo, first.get(2));
        assertThat(todo.scan()).isEqualTo(3);
        List<Long> second = handed(events);
        assertThat(second).hasSize(3).doesNotContainAnyElementsOf(first);
        assertThat(second).allMatch(id -> id > first.stream().max(Long::compare).orElseThrow());

        // All let go: the last four, the stale leftover first removed (the pass that took them is
        // the first since the start to take all it found).
        for (long id : List.copyOf(fresh.keySet())) release(todo, id);
        assertThat(todo.inHand()).isZero();
        assertThat(todo.scan()).isEqualTo(4);
        List<Long> third = handed(events);
        Set<Long> all = new HashSet<>(first);
        all.addAll(second);
        all.addAll(third);
        assertThat(all).isEqualTo(queued);
        assertThat(first.size() + second.size() + third.size()).isEqualTo(12);
        assertThat(tq.q.info(last)).doesNotExist();
        assertThat(newMsgLines(log)).isEqualTo(12);
        // Each was handed once: their todo/N are kept (in hand), so a pass now finds nothing.
        assertThat(todo.scan()).isZero();
        assertThat(handed(events)).isEmpty();
        assertThat(log.toString(StandardCharsets.ISO_8859_1)).doesNotContain("warning");
    }

    /**
     * Envelopes are weighed too: a message with many recipients takes the room of many small
     * ones, and one is handed on whatever it weighs when nothing is in hand.
     */
    @Test
    void bigEnvelopesAreHandedOnByWeight() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) many.add("recipient-with-a-long-local-part-" + i);
        Set<Long> queued = new HashSet<>();
        for (int i = 0; i < 3; i++) queued.add(tq.inject("heavy" + i + "@x", "s@domain", many, n -> { }));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Todo todo = tq.todo(log, events);
        todo.inHandBytesLimit = 1000; // less than one envelope of 40 long recipients

        assertThat(todo.scan()).isEqualTo(1); // all three fit the count; the weight stops after one
        List<Long> first = handed(events);
        assertThat(first).hasSize(1);
        assertThat(fresh.get(first.get(0)).weight).isGreaterThan(1000);
        assertThat(todo.scan()).isZero();
        assertThat(handed(events)).isEmpty();
        release(todo, first.get(0));
        assertThat(todo.scan()).isEqualTo(1);
        List<Long> second = handed(events);
        assertThat(second).hasSize(1).doesNotContainAnyElementsOf(first);
        release(todo, second.get(0));
        assertThat(todo.scan()).isEqualTo(1);
        List<Long> third = handed(events);
        assertThat(third).hasSize(1);
        Set<Long> all = new HashSet<>(first);
        all.addAll(second);
        all.addAll(third);
        assertThat(all).isEqualTo(queued);
        assertThat(newMsgLines(log)).isEqualTo(3);
    }
}
