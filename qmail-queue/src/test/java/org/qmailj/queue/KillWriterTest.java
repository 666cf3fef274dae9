package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;
import static org.qmailj.queue.TestHome.str;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.TodoRecord;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.testing.RootOnly;

/**
 * kill -9 of the queue writer daemon (a child JVM) at random moments during 500 injections by
 * 4 concurrent in-process clients: every injection answered 0 is in todo/ exactly once with
 * its message intact, and no injection that failed is visible in todo/.
 */
@RootOnly
class KillWriterTest {
    @TempDir Path dir;

    static final int INJECTIONS = 500;
    static final int KILLS = 8;

    @Test
    void everyAcknowledgedMessageSurvivesKill9() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        String cp = System.getProperty("java.class.path");
        Random rnd = new Random();
        Map<Integer, byte[]> bodies = new HashMap<>();
        for (int i = 0; i < INJECTIONS; i++) {
            byte[] filler = new byte[rnd.nextInt(30_000)];
            Arrays.fill(filler, (byte) ('a' + i % 26));
            bodies.put(i, concat(bytes("Subject: msg-" + i + "\n\n"), filler, bytes("\nend-" + i + "\n")));
        }
        Process[] writer = {WriterDaemonTest.startDaemon(cp, t)};
        ConcurrentHashMap<Integer, QueueResult> results = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        SocketQueueClient client = new SocketQueueClient(WriterProtocol.socket(t.queue), null, 60_000);
        for (int c = 0; c < 4; c++) {
            clients.add(Thread.ofPlatform().start(() -> {
                for (int i = next.getAndIncrement(); i < INJECTIONS; i = next.getAndIncrement()) {
                    results.put(i, inject(client, i, bodies.get(i)));
                    done.incrementAndGet();
                }
            }));
        }
        int[] at = rnd.ints(KILLS, 10, INJECTIONS - 10).sorted().toArray();
        int kills = 0;
        for (int k : at) {
            while (done.get() < k && clients.stream().anyMatch(Thread::isAlive)) Thread.sleep(1);
            Thread.sleep(rnd.nextInt(15));
            writer[0].destroyForcibly();
            writer[0].waitFor(10, TimeUnit.SECONDS);
            kills++;
            writer[0] = WriterDaemonTest.startDaemon(cp, t);
        }
        for (Thread c : clients) c.join(120_000);
        writer[0].destroyForcibly();
        writer[0].waitFor(10, TimeUnit.SECONDS);

        assertThat(kills).isEqualTo(KILLS);
        assertThat(results).hasSize(INJECTIONS);
        Map<Integer, Integer> queued = new HashMap<>();
        for (long n : t.todo()) {
            TodoRecord r = TodoRecord.decode(Files.readAllBytes(t.queue.todo(n)));
            int i = Integer.parseInt(r.sender().substring(2));
            assertThat(r.recipients()).containsExactly("r" + i + "@x.y");
            String mess = str(t.mess(n));
            int nl = mess.indexOf('\n');
            assertThat(mess.substring(0, nl)).startsWith("Received: (qmail ");
            assertThat(mess.substring(nl + 1)).as("message " + i + " intact").isEqualTo(str(bodies.get(i)));
            queued.merge(i, 1, Integer::sum);
        }
        List<Integer> ok = results.entrySet().stream().filter(e -> e.getValue().ok()).map(Map.Entry::getKey).sorted().toList();
        assertThat(queued.keySet()).as("todo/ holds exactly the acknowledged injections").containsExactlyInAnyOrderElementsOf(ok);
        assertThat(queued.values()).allMatch(v -> v == 1);
        assertThat(ok.size()).as("most injections get through").isGreaterThan(INJECTIONS / 2);
        System.out.println("kill -9 test: " + ok.size() + " of " + INJECTIONS + " acknowledged, " + KILLS + " kills");
    }

    private static QueueResult inject(QueueClient client, int i, byte[] body) {
        // Wait for a writer (restarts take a JVM start); then one attempt.
        QueueClient.Session s = null;
        for (int tries = 0; s == null && tries < 2000; tries++) {
            try {
                s = client.open();
            } catch (java.io.IOException e) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException x) {
                    return QueueResult.ofExit(81);
                }
            }
        }
        if (s == null) return QueueResult.ofExit(56);
        try (QueueClient.Session session = s) {
            session.message().write(body);
            return session.commit(new Envelope("s-" + i, List.of("r" + i + "@x.y")));
        } catch (java.io.IOException e) {
            return QueueResult.ofExit(74);
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
