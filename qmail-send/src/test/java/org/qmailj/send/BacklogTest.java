package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Proc;

/**
 * A backlog (a long outage, a flood, a kill -9 campaign) is delivered by a qmail-send whose heap
 * could not hold it as first attempts: the todo thread hands on Todo.IN_HAND at a time and the
 * rest waits in todo/. Before that bound, 75,000 messages in todo/ ended qmail-send with an
 * OutOfMemoryError at every start (its 32 MB heap), and nothing was delivered any more.
 */
class BacklogTest {
    @TempDir Path home;
    @org.junit.jupiter.api.extension.RegisterExtension
    final ProcessHarness.Tracker harnesses = new ProcessHarness.Tracker();


    /**
     * 500 messages of 40 recipients each, with local parts of 900 bytes (18 MB of envelopes,
     * twice that in the heap as first attempts), queued before qmail-send starts with a 16 MB
     * heap. Without the bound its todo thread read them faster than they were delivered and
     * qmail-send ended with "fatal: unexpected java.lang.OutOfMemoryError: Java heap space in
     * thread todo; exiting 111" (checked: so this test failed); with it every recipient gets
     * exactly one delivery and the queue ends empty (full collections found 7-8 MB live).
     */
    @Test
    void aBacklogBiggerThanTheHeapIsDeliveredWhole() throws Exception {
        int total = Integer.getInteger("backlog.messages", 500);
        int each = 40;
        String pad = "x".repeat(900);
        TestQueue tq = new TestQueue(home, "domain");
        tq.control("concurrencylocal", "20");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            List<String> rcpt = new ArrayList<>();
            for (int j = 0; j < each; j++) {
                rcpt.add("u" + i + "-" + j + "-" + pad);
                expected.add("u" + i + "-" + j + "-" + pad + "@domain <backlog" + i + "@x> s@domain");
            }
            tq.inject("backlog" + i + "@x", "s@domain", rcpt, n -> { });
        }
        ProcessHarness h = new ProcessHarness(tq).sendHeap("-Xmx16m");
        harnesses.track(h);
        h.start();
        long end = System.nanoTime() + 600_000_000_000L;
        while (!empty(tq, "todo") || !empty(tq, "info") || !empty(tq, "mess")) {
            if (!h.alive() || System.nanoTime() > end) {
                throw new AssertionError((h.alive() ? "timed out" : "qmail-send exited " + h.waitExit(1)) + " with the backlog queued; stderr: "
                        + Files.readString(home.resolve("stderr")) + "; last log lines: " + tail(h));
            }
            Thread.sleep(200);
        }
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
        List<String> delivered = h.delivered();
        assertThat(delivered).hasSize(total * each);
        assertThat(new HashSet<>(delivered)).isEqualTo(new HashSet<>(expected));
        assertThat(h.logText().lines().filter(l -> l.startsWith("warning:") || l.startsWith("alert:"))).isEmpty();
        assertThat(tq.leftovers()).isEmpty();
    }

    /**
     * Every way a message leaves the scheduler's hand gives its room back: with room for three,
     * ten messages whose first attempt is a deferral (made durable the qmail way, then read from
     * their files) and ten delivered all get their first attempt.
     */
    @Test
    void deferredAndDeliveredMessagesGiveBackTheirRoom() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        List<Long> deferred = new ArrayList<>();
        for (int i = 0; i < 10; i++) deferred.add(tq.inject("room-d" + i + "@x", "s@domain", "defer" + i));
        for (int i = 0; i < 10; i++) tq.inject("room-k" + i + "@x", "s@domain", "k" + i);
        ProcessHarness h = new ProcessHarness(tq).sendHeap("-Xmx128m -Dqmail.send.inhand=3");
        harnesses.track(h);
        h.start();
        h.await("20 first attempts", () -> h.logLines().stream().filter(l -> l.startsWith("starting delivery ")).count() >= 20, 120);
        h.await("10 deliveries", () -> SendHarness.quiet(() -> h.delivered().size() >= 10), 60);
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
        for (int i = 0; i < 10; i++) assertThat(h.delivered()).contains("k" + i + "@domain <room-k" + i + "@x> s@domain");
        assertThat(h.logText().lines().filter(l -> l.startsWith("new msg ")).count()).isEqualTo(20);
        // The deferred ones wait for their retry the qmail way.
        for (long n : deferred) {
            assertThat(tq.q.info(n)).exists();
            assertThat(tq.q.local(n)).exists();
            assertThat(tq.q.todo(n)).doesNotExist();
        }
    }

    /** No message file in the queue directory {@code dir} (split or not). */
    private static boolean empty(TestQueue tq, String dir) throws IOException {
        Path d = tq.q.dir(dir);
        if (!Files.isDirectory(d.resolve("0"))) return isEmpty(d);
        for (int i = 0; i < QueueLayout.SPLIT; i++) if (!isEmpty(d.resolve(Integer.toString(i)))) return false;
        return true;
    }

    private static boolean isEmpty(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.findAny().isEmpty();
        }
    }

    private static String tail(ProcessHarness h) {
        List<String> l = h.logLines();
        return String.join("\n", l.subList(Math.max(0, l.size() - 10), l.size()));
    }
}
