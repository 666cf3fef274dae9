package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Proc;

/**
 * Crash safety: messages in flight while kill -9 hits qmail-send, then qmail-lspawn, then
 * qmail-clean, then everything, at random moments; after a restart every message is
 * delivered at least once (counted by Message-ID) and the queue ends empty. The messages are
 * written in C qmail's on-disk format by {@link TestQueue}. bench/send.sh runs the same with
 * more messages ({@code -Dcrash.messages=500}).
 */
class CrashTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    final ProcessHarness.Tracker harnesses = new ProcessHarness.Tracker();



    @TempDir Path home;

    @Test
    void killNineAtRandomMomentsLosesNothing() throws Exception {
        int total = Integer.getInteger("crash.messages", 200);
        long seed = Long.getLong("crash.seed", System.nanoTime());
        Random rnd = new Random(seed);
        TestQueue tq = new TestQueue(home, "domain");
        tq.control("concurrencylocal", "20");
        Set<String> ids = new HashSet<>();
        int injected = 0;
        String[] victims = {"qmail-send", "FakeSpawner", "QmailClean", "all"};
        for (String victim : victims) {
            // Queue another share of the messages, half local, some also remote.
            int share = total / victims.length;
            for (int i = 0; i < share; i++, injected++) {
                String id = "crash-" + injected + "@x";
                ids.add("<" + id + ">");
                if (injected % 3 == 0) tq.inject(id, "s@domain", "u" + injected, "r" + injected + "@remote.example");
                else tq.inject(id, "s@domain", "u" + injected);
            }
            ProcessHarness h = harnesses.track(new ProcessHarness(tq)).start();
            int before = h.delivered().size();
            int target = before + 1 + rnd.nextInt(Math.max(1, share));
            h.await("some deliveries", () -> quietSize(h) >= target || h.logLines().contains("status: local 0/20 remote 0/20") && quietSize(h) > before, 120);
            Thread.sleep(rnd.nextInt(200));
            List<ProcessHandle> procs = h.children();
            switch (victim) {
                case "qmail-send" -> h.kill9();
                case "all" -> {
                    h.kill9();
                    for (ProcessHandle p : procs) p.destroyForcibly();
                }
                default -> {
                    ProcessHandle p = h.child(victim).orElseThrow();
                    Proc.kill(p.pid(), Proc.SIGKILL);
                    h.waitExit(120);
                    assertThat(h.logLines()).contains(victim.equals("QmailClean")
                            ? "alert: oh no! lost qmail-clean connection! dying..." : "alert: oh no! lost spawn connection! dying...");
                }
            }
            if (h.alive()) h.waitExit(60);
            ProcessHarness.awaitGone(procs, 60);
        }
        for (; injected < total; injected++) {
            String id = "crash-" + injected + "@x";
            ids.add("<" + id + ">");
            tq.inject(id, "s@domain", "u" + injected);
        }
        // Final run: everything drains.
        ProcessHarness h = harnesses.track(new ProcessHarness(tq));
        int mark = h.logLines().size();
        h.start();
        // qmail-send handles TERM once it is up (its first status line); before, TERM kills it.
        h.await("qmail-send up", () -> {
            List<String> log = h.logLines(); // one snapshot: the log grows meanwhile
            return log.subList(Math.min(mark, log.size()), log.size()).stream().anyMatch(l -> l.startsWith("status: local"));
        }, 120);
        h.await("all delivered (seed " + seed + ")", () -> {
            try {
                return h.deliveredIds().containsAll(ids) && noQueuedWork(tq);
            } catch (IOException e) {
                return false;
            }
        }, 180);
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
        assertThat(h.deliveredIds()).containsAll(ids);
        // A message qmail-clean was removing when it died is left in state S2 (mess/ only);
        // the 36-hour cleanup removes it, as INTERNALS.md section 6 says.
        assertThat(noQueuedWork(tq)).isTrue();
        SchedulingTestSupport.sweep(tq, Scheduler.now() + Cleanup.OLDEST + 10);
        assertThat(tq.leftovers()).as("seed %d", seed).isEmpty();
    }

    private static int quietSize(ProcessHarness h) {
        try {
            return h.delivered().size();
        } catch (IOException e) {
            return 0;
        }
    }

    /** No todo/, info/, local/, remote/, bounce/ files: every message reached S2 or S1. */
    private static boolean noQueuedWork(TestQueue tq) throws IOException {
        return tq.leftovers().stream().allMatch(p -> {
            String dir = tq.q.root().relativize(p).getName(0).toString();
            return dir.equals("mess") || dir.equals("intd");
        });
    }
}
