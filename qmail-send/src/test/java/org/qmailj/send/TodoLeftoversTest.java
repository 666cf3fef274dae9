package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Fifo;

/**
 * Preprocessing removes info/N, local/N, remote/N left by an earlier attempt only where one can
 * have been (Todo.preprocess): a message found at the start (in this run those files are
 * written only by Scheduler.materialize, which removes todo/N once they are). Everything else
 * is a new message, often with the inode number of one just finished; none of those may
 * inherit a file, nor stay in todo/.
 */
class TodoLeftoversTest {
    @TempDir Path home;

    /**
     * Files of an attempt before the start: a stale info/N (which the new attempt could not
     * create over) and a stale remote/N although the message has no remote recipient (which
     * nothing else would notice; it would stay, or be delivered).
     */
    @Test
    void leftoversOfAnAttemptBeforeTheStartAreRemoved() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        long n = tq.inject("left1@x", "s@domain", "me");
        Files.write(tq.q.info(n), TestQueue.b("Fstale@domain\0"));
        Files.write(tq.q.remote(n), TestQueue.b("Tstale@remote.example\0"));
        long m = tq.inject("left2@x", "s@domain", "you");
        Files.write(tq.q.remote(m), TestQueue.b("Tstale@remote.example\0"));
        try (SendHarness h = new SendHarness(tq).start()) {
            h.awaitLog("end msg " + n, 20);
            h.awaitLog("end msg " + m, 20);
            h.await("the queue empty", () -> SendHarness.quiet(() -> tq.leftovers().isEmpty()), 20);
            assertThat(h.delivered()).containsExactlyInAnyOrder("me@domain <left1@x> s@domain", "you@domain <left2@x> s@domain");
            assertThat(h.log()).doesNotContain("warning");
        }
    }

    /**
     * Many messages from four threads while deliveries go on, at most about 100 in the queue at
     * once, so that new messages get the inode numbers of messages just finished (asserted):
     * local only, remote only, both, and some with a failing recipient (their bounces are
     * queued too). Each message is delivered exactly once to exactly its own recipients,
     * nothing stays in todo/, and the queue ends empty.
     */
    @Test
    void manyMessagesReusingNumbersInheritNothingAndNoneStays() throws Exception {
        int total = Integer.getInteger("leftovers.messages", 3000);
        TestQueue tq = new TestQueue(home, "domain");
        tq.control("concurrencylocal", "50");
        tq.control("concurrencyremote", "50");
        // No queue/pool (a file in its place): qmail-clean unlinks as qmail does, and the kernel
        // gives the freed inodes to new messages at once. (Through the pool a number comes back
        // only after InodePool.MIN_AGE; InodePoolTest covers that path.)
        Files.writeString(tq.q.dir("pool"), "");
        Map<Long, Integer> uses = new ConcurrentHashMap<>();
        Set<String> expected = ConcurrentHashMap.newKeySet();
        Set<String> bounced = ConcurrentHashMap.newKeySet();
        try (SendHarness h = new SendHarness(tq).start()) {
            List<Thread> injectors = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int from = t;
                injectors.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = from; i < total; i += 4) {
                            // Messages that never leave the queue stop the injection (and fail below).
                            long deadline = System.nanoTime() + 60_000_000_000L;
                            while (messages(tq) > 100) {
                                if (System.nanoTime() > deadline) throw new AssertionError("the queue stays full: " + stuck(tq));
                                Thread.sleep(2);
                            }
                            String id = "reuse-" + i + "@x";
                            String sender = "s" + i + "@domain";
                            List<String> rcpt = switch (i % 4) {
                                case 0 -> List.of("u" + i);
                                case 1 -> List.of("r" + i + "@remote.example");
                                case 2 -> List.of("u" + i, "r" + i + "@remote.example");
                                default -> List.of("u" + i, "fail" + i);
                            };
                            for (String r : rcpt) {
                                if (r.startsWith("fail")) bounced.add(sender);
                                else expected.add((r.contains("@") ? r : r + "@domain") + " <" + id + "> " + sender);
                            }
                            uses.merge(tq.inject(id, sender, rcpt, n -> { }), 1, Integer::sum);
                        }
                    } catch (Throwable e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                }));
            }
            for (Thread t : injectors) t.join();
            assertThat(failures).as("log:\n%s", h.log()).isEmpty();
            int want = expected.size() + bounced.size();
            h.await("all " + want + " deliveries", () -> SendHarness.quiet(() -> h.delivered().size() >= want), 120);
            h.await("the queue empty", () -> SendHarness.quiet(() -> tq.leftovers().isEmpty()), 60);
            List<String> delivered = h.delivered();
            List<String> plain = delivered.stream().filter(l -> l.contains("@x> ")).toList();
            assertThat(plain).hasSize(expected.size());
            assertThat(new HashSet<>(plain)).isEqualTo(expected);
            List<String> bounces = delivered.stream().filter(l -> !l.contains("@x> ")).toList();
            assertThat(bounces).allMatch(l -> l.matches("s\\d+@domain <\\d+\\.\\d+\\.qmail@domain> "));
            assertThat(bounces.stream().map(l -> l.substring(0, l.indexOf(' '))).toList())
                    .hasSize(bounced.size()).containsExactlyInAnyOrderElementsOf(bounced);
            assertThat(h.log().lines().filter(l -> l.startsWith("warning:") || l.startsWith("alert:"))).isEmpty();
            // The point of the test: numbers were reused while qmail-send ran (on ext4 some
            // hundreds of the 3000; how many depends on the inode allocator).
            long reused = uses.values().stream().filter(c -> c > 1).count();
            assertThat(reused).as("message numbers used more than once (the file system must reuse inodes)").isGreaterThan(total / 100);
            Map<String, Integer> newMsg = new HashMap<>();
            h.log().lines().filter(l -> l.startsWith("new msg ")).forEach(l -> newMsg.merge(l, 1, Integer::sum));
            assertThat(newMsg.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(total + bounced.size());
        }
    }

    /** What todo/ holds. */
    private static List<String> stuck(TestQueue tq) throws IOException {
        try (Stream<Path> s = Files.list(tq.q.dir("todo"))) {
            return s.map(p -> p.getFileName().toString()).limit(20).toList();
        }
    }

    /** Messages in mess/ (queued and not yet cleaned up). */
    private static int messages(TestQueue tq) throws IOException {
        int n = 0;
        for (int i = 0; i < QueueLayout.SPLIT; i++) {
            try (Stream<Path> s = Files.list(tq.q.dir("mess").resolve(Integer.toString(i)))) {
                n += (int) s.count();
            }
        }
        return n;
    }
}
