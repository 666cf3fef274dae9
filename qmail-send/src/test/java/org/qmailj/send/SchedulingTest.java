package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.RecipientFile;
import org.qmailj.common.spawn.SpawnProtocol;

class SchedulingTest {
    @TempDir Path home;

    @Test
    void rewritingSplitsLocalAndRemote() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        tq.control("locals", "domain", "localhost");
        tq.control("percenthack", "domain");
        tq.control("virtualdomains", "virt.example:joe", "joe@vu.example:vu", ".sub.example:subby", "exc.sub.example:");
        tq.control("envnoathost", "noat.example");
        try (SendHarness h = new SendHarness(tq).start()) {
            tq.inject("r1@x", "s@domain", "plain", "a@LocalHost", "info@virt.example", "joe@vu.example",
                    "x@a.sub.example", "y@exc.sub.example", "u%far.example@domain", "z@remote.example");
            h.await("8 deliveries", () -> SendHarness.quiet(() -> h.delivered().size() == 8), 20);
            List<String> local = new ArrayList<>();
            List<String> remote = new ArrayList<>();
            synchronized (h.local.commands) {
                h.local.commands.forEach(c -> local.add(c.recipient()));
            }
            synchronized (h.remote.commands) {
                h.remote.commands.forEach(c -> remote.add(c.recipient()));
            }
            assertThat(local).containsExactlyInAnyOrder("a@LocalHost", "joe-info@virt.example", "vu-joe@vu.example", "subby-x@a.sub.example");
            assertThat(remote).containsExactlyInAnyOrder("plain@noat.example", "y@exc.sub.example", "u@far.example", "z@remote.example");
            assertThat(h.local.commands.getFirst().path()).matches("\\d+/\\d+");
        }
    }

    @Test
    void deferralSetsNextRetryAsMtimeAndAlarmRetriesNow() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = new SendHarness(tq).start()) {
            long n = tq.inject("d1@x", "s@domain", "deferme");
            h.awaitLog("delivery 1: deferral: Sorry,_I_couldn't_find_a_mailbox._(#4.2.1)/", 20);
            // qmail-send's nextretry: birth + (isqrt(now - birth) + chanskip 10)^2 at the deferral,
            // so birth + 100 when it came within a second of the injection, later under load.
            h.await("retry time written", () -> SendHarness.quiet(() -> {
                long birth = Files.getLastModifiedTime(tq.q.info(n)).toMillis() / 1000;
                long retry = Files.getLastModifiedTime(tq.q.local(n)).toMillis() / 1000;
                long now = System.currentTimeMillis() / 1000;
                for (long k = 0; k * k <= now - birth; k++) if (retry == birth + (k + 10) * (k + 10)) return true;
                return false;
            }), 20);
            assertThat(h.logLines()).noneMatch(l -> l.startsWith("starting delivery 2"));
            h.events.add(new Event.Alarm());
            h.awaitLog("delivery 2: deferral: Sorry,_I_couldn't_find_a_mailbox._(#4.2.1)/", 20);
            h.stop();
            assertThat(tq.q.local(n)).exists();
        }
        // Restart: the retry time survives as the mtime, so nothing is tried at once.
        try (SendHarness h = new SendHarness(tq).start()) {
            h.awaitLog("status: local 0/10 remote 0/20", 20);
            Thread.sleep(500);
            assertThat(h.logLines()).noneMatch(l -> l.startsWith("starting delivery"));
        }
    }

    @Test
    void retryScheduleIsQmails() {
        assertThat(Channel.LOCAL.nextRetry(1000, 1000)).isEqualTo(1100);
        assertThat(Channel.REMOTE.nextRetry(1000, 1000)).isEqualTo(1400);
        assertThat(Channel.LOCAL.nextRetry(1000, 1000 + 99)).isEqualTo(1000 + 19 * 19);
        assertThat(Channel.REMOTE.nextRetry(0, 3600)).isEqualTo(80 * 80);
    }

    @Test
    void pastQueuelifetimeATemporaryFailureBounces() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        tq.control("queuelifetime", "3600");
        long n = tq.inject("old@x", "s@domain", "deferme");
        // Preprocess, then age the message: info/ mtime is its birth.
        try (SendHarness h = new SendHarness(tq).start()) {
            h.awaitLog("delivery 1: deferral: Sorry,_I_couldn't_find_a_mailbox._(#4.2.1)/", 20);
            h.stop();
        }
        long old = System.currentTimeMillis() - 7200_000;
        Files.setLastModifiedTime(tq.q.info(n), FileTime.fromMillis(old));
        Files.setLastModifiedTime(tq.q.local(n), FileTime.fromMillis(old));
        try (SendHarness h = new SendHarness(tq).start()) {
            h.awaitLog("delivery 1: failure: Sorry,_I_couldn't_find_a_mailbox._(#4.2.1)/"
                    + "I'm_not_going_to_try_again;_this_message_has_been_in_the_queue_too_long./", 20);
            h.awaitLog("end msg " + n, 20);
            assertThat(h.injected.getFirst().message()).contains("<deferme@domain>:\nSorry, I couldn't find a mailbox. (#4.2.1)\n"
                    + "I'm not going to try again; this message has been in the queue too long.\n\n--- Below");
        }
    }

    @Test
    void concurrencyAbove255WithTheWideSpawnerProtocol() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        tq.control("concurrencylocal", "300");
        List<String> rcpts = new ArrayList<>();
        for (int i = 0; i < 300; i++) rcpts.add("u" + i);
        // The fake holds every report until 300 deliveries are outstanding at once.
        try (SendHarness h = new SendHarness(tq, SpawnProtocol.wide(1000), SpawnProtocol.classic(120), 300).start()) {
            tq.inject(TestQueue.b("Message-ID: <c@x>\n\nhi\n"), "s@domain", rcpts, 1, 2);
            h.awaitLog("status: local 300/300 remote 0/20", 30);
            h.await("300 deliveries", () -> SendHarness.quiet(() -> h.delivered().size() == 300), 30);
            assertThat(h.local.commands.stream().map(SpawnProtocol.Command::delnum).distinct().count()).isEqualTo(300);
        }
    }

    @Test
    void classicSpawnerCapsConcurrencyAtItsByte() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        tq.control("concurrencylocal", "500");
        try (SendHarness h = new SendHarness(tq, SpawnProtocol.classic(3), SpawnProtocol.classic(120), 3).start()) {
            tq.inject(TestQueue.b("Message-ID: <c@x>\n\nhi\n"), "s@domain", List.of("a", "b", "c", "d", "e", "f"), 1, 2);
            h.await("6 deliveries", () -> SendHarness.quiet(() -> h.delivered().size() == 6), 30);
            assertThat(h.logLines()).contains("status: local 3/3 remote 0/20").noneMatch(l -> l.startsWith("status: local 4/"));
        }
    }

    @Test
    void verpSenderPerRecipientAndBounceToOwner() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = new SendHarness(tq).start()) {
            tq.inject("v@x", "list-@lists.example-@[]", "box@rhost.example", "failbox");
            h.await("bounce injected", () -> !h.injected.isEmpty(), 20);
            assertThat(h.remote.commands.getFirst().sender()).isEqualTo("list-box=rhost.example@lists.example");
            assertThat(h.local.commands.getFirst().sender()).isEqualTo("list-failbox=domain@lists.example");
            assertThat(h.injected.getFirst().envelope().recipients()).containsExactly("list-@lists.example");
        }
        assertThat(SpawnProtocol.senderFor("a@b", "c@d")).isEqualTo("a@b");
    }

    @Test
    void rebuildDeliversOnlyNotDoneRecipientsOfAPreprocessedMessage() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        // State S5 written by hand: info, local with one DONE and one NOT DONE, no todo.
        long n = tq.inject("s5@x", "s@domain", "ignored");
        Files.delete(tq.q.todo(n));
        Files.delete(tq.q.intd(n));
        Files.write(tq.q.info(n), TestQueue.b("Fs@domain\0"));
        Files.write(tq.q.local(n), TestQueue.b("Ddone@domain\0Tpending@domain\0"));
        // And a half-preprocessed S4 message: stale info/local, still in todo.
        long m = tq.inject("s4@x", "s@domain", "fresh");
        Files.write(tq.q.info(m), TestQueue.b("Fstale@domain\0"));
        Files.write(tq.q.local(m), TestQueue.b("Tstale@domain\0"));
        try (SendHarness h = new SendHarness(tq).start()) {
            h.await("queue empty", () -> SendHarness.quiet(() -> tq.leftovers().isEmpty()), 20);
            assertThat(h.delivered()).containsExactlyInAnyOrder("pending@domain <s5@x> s@domain", "fresh@domain <s4@x> s@domain");
        }
    }

    @Test
    void aBurstInTodoDoesNotStallPreprocessedMessages() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        for (int i = 0; i < 1000; i++) tq.inject("burst-" + i + "@x", "s@domain", "u" + i);
        long n = tq.inject("ready@x", "s@domain", "ignored");
        Files.delete(tq.q.todo(n));
        Files.delete(tq.q.intd(n));
        Files.write(tq.q.info(n), TestQueue.b("Fs@domain\0"));
        Files.write(tq.q.local(n), TestQueue.b("Tready@domain\0"));
        try (SendHarness h = new SendHarness(tq).start()) {
            h.awaitLog("end msg " + n, 20);
            long backlog;
            try (var s = Files.list(tq.q.dir("todo"))) {
                backlog = s.count();
            }
            // The preprocessed message went out while most of the burst still waited in todo/.
            assertThat(backlog).isGreaterThan(500);
        }
    }

    @Test
    void mangledAndOutOfRangeReports() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = new SendHarness(tq).start()) {
            long n = tq.inject("m@x", "s@domain", "mangleme");
            h.awaitLog("delivery 1: report mangled, will defer", 20);
            long m = tq.inject("g@x", "s@domain", "ghost");
            h.awaitLog("end msg " + m, 20);
            assertThat(h.logLines()).contains("warning: internal error: delivery report out of range", "delivery 2: success: did_1+0+0/");
            assertThat(tq.q.local(n)).exists();
        }
    }

    @Test
    void bounceInjectionFailureIsRetriedLater() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        long n;
        try (SendHarness h = new SendHarness(tq).start()) {
            h.refuseBounces = true;
            n = tq.inject("b@x", "s@domain", "failhere");
            h.awaitLog("warning: trouble injecting bounce message, will try later", 20);
            assertThat(tq.q.bounce(n)).exists();
            assertThat(tq.q.info(n)).exists();
            assertThat(h.logLines()).doesNotContain("end msg " + n);
            h.refuseBounces = false;
            h.events.add(new Event.Alarm()); // the done queue retries after 123 s; ALRM does not hurry it
            Thread.sleep(300);
            assertThat(h.logLines()).doesNotContain("end msg " + n);
        }
        // A restart finds it in the done state and injects the bounce at once.
        try (SendHarness h = new SendHarness(tq).start()) {
            h.awaitLog("end msg " + n, 20);
            assertThat(h.logLines()).contains("bounce msg " + n + " qp 20357");
        }
    }

    @Test
    void markingIsInPlace() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = new SendHarness(tq).start()) {
            long n = tq.inject("p@x", "s@domain", "ok1", "deferme", "ok2");
            h.await("3 reports", () -> h.logLines().stream().filter(l -> l.matches("delivery \\d+: .*")).count() == 3, 20);
            h.await("marked", () -> SendHarness.quiet(() -> Files.exists(tq.q.local(n))
                    && RecipientFile.decode(Files.readAllBytes(tq.q.local(n))).stream().filter(RecipientFile.Entry::done).count() == 2), 20);
            assertThat(new String(Files.readAllBytes(tq.q.local(n)), "ISO-8859-1"))
                    .isEqualTo("Dok1@domain\0Tdeferme@domain\0Dok2@domain\0");
        }
    }

    @Test
    void cleanupRemovesOnly36HourLeftovers() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        long old = tq.inject("o@x", "s@domain", "x");
        Files.delete(tq.q.todo(old)); // S3: mess + intd
        long fresh = tq.inject("f@x", "s@domain", "x");
        Files.delete(tq.q.todo(fresh));
        Files.setLastModifiedTime(tq.q.mess(old), FileTime.fromMillis(System.currentTimeMillis() - 37 * 3600_000L));
        Files.setLastModifiedTime(tq.q.intd(old), FileTime.fromMillis(System.currentTimeMillis() - 37 * 3600_000L));
        SendHarness h = new SendHarness(tq);
        try (h) {
            h.start();
            h.awaitLog("status: local 0/10 remote 0/20", 20);
        }
        // The cleanup thread waits 10 s after start; run a sweep directly over real qmail-clean pipes.
        var toC = org.qmailj.common.sys.Fd.pipe();
        var fromC = org.qmailj.common.sys.Fd.pipe();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                org.qmailj.clean.QmailCleanAccess.serve(tq.q, org.qmailj.common.sys.Fd.inputStream(toC.read()),
                        org.qmailj.common.sys.Fd.outputStream(fromC.write()));
            } catch (IOException e) {
                // done
            }
        });
        CleanClient cc = new CleanClient(org.qmailj.common.sys.Fd.inputStream(fromC.read()), org.qmailj.common.sys.Fd.outputStream(toC.write()));
        cc.startReader(new java.util.concurrent.LinkedBlockingQueue<>());
        int removed = new Cleanup(tq.q, cc, new SendLog(java.io.OutputStream.nullOutputStream())).run(Scheduler.now());
        assertThat(removed).isEqualTo(1);
        assertThat(tq.q.mess(old)).doesNotExist();
        assertThat(tq.q.intd(old)).doesNotExist();
        assertThat(tq.q.mess(fresh)).exists();
        assertThat(tq.q.intd(fresh)).exists();
    }
}
