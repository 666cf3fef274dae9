package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Proc;

/**
 * A message on its first attempt keeps todo/N (its info/ and local/ files are not synced), and
 * leaves that state the qmail way: made durable (todo/N removed, info/N and local/N kept) when
 * its first attempt is older than Todo.FIRST_ATTEMPT (a deferral) and when qmail-send exits;
 * preprocessed again after a kill -9, so that it is delivered, never lost.
 */
class FirstAttemptTest {
    @TempDir Path home;
    @org.junit.jupiter.api.extension.RegisterExtension
    final ProcessHarness.Tracker harnesses = new ProcessHarness.Tracker();


    private ProcessHarness started(TestQueue tq) throws Exception {
        ProcessHarness h = new ProcessHarness(tq);
        harnesses.track(h);
        h.start();
        h.await("qmail-send up", () -> h.logLines().stream().anyMatch(l -> l.startsWith("status: local")), 120);
        return h;
    }

    @Test
    void aDeferralMakesTheMessageAQueuedOneAsInQmail() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        long n = tq.inject("defer@x", "s@domain", "defer1");
        ProcessHarness h = started(tq);
        h.await("deferral", () -> h.logLines().stream().anyMatch(l -> l.startsWith("delivery 1: deferral:")), 120);
        // Made durable by the todo thread once the first attempt is Todo.FIRST_ATTEMPT seconds old.
        h.await("todo/N removed", () -> !Files.exists(tq.q.todo(n)), (int) Todo.FIRST_ATTEMPT + 30);
        assertThat(tq.q.todo(n)).doesNotExist();
        assertThat(tq.q.intd(n)).doesNotExist();
        assertThat(tq.q.info(n)).exists();
        assertThat(tq.q.local(n)).exists();
        assertThat(tq.q.mess(n)).exists();
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
        // At rest it stays queued for its retry, in qmail's own layout.
        assertThat(tq.q.info(n)).exists();
        assertThat(tq.q.local(n)).exists();
        assertThat(tq.q.todo(n)).doesNotExist();
    }

    @Test
    void exitingMakesMessagesStillOnTheirFirstAttemptQueuedOnes() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        tq.control("concurrencylocal", "1");
        long a = tq.inject("slow-a@x", "s@domain", "slow1");
        long b = tq.inject("slow-b@x", "s@domain", "slow2");
        ProcessHarness h = started(tq);
        h.await("one delivery started", () -> h.logLines().stream().anyMatch(l -> l.startsWith("starting delivery 1:")), 120);
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
        // The one in progress was finished; the other, never started, is queued as qmail queues.
        long started = h.logLines().stream().anyMatch(l -> l.startsWith("starting delivery 1: msg " + a + " ")) ? a : b;
        long waiting = started == a ? b : a;
        assertThat(h.logLines()).contains("end msg " + started);
        assertThat(tq.q.mess(started)).doesNotExist();
        assertThat(tq.q.todo(waiting)).doesNotExist();
        assertThat(tq.q.intd(waiting)).doesNotExist();
        assertThat(tq.q.info(waiting)).exists();
        assertThat(tq.q.local(waiting)).exists();
        assertThat(Files.readString(tq.q.local(waiting))).isEqualTo("Tslow" + (waiting == a ? "1" : "2") + "@domain\0");
    }

    @Test
    void killNineOnTheFirstAttemptLeavesTodoAndTheMessageIsDelivered() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        long n = tq.inject("slow-k@x", "s@domain", "slow1");
        ProcessHarness h = started(tq);
        h.await("delivery started", () -> h.logLines().stream().anyMatch(l -> l.startsWith("starting delivery 1: msg " + n + " ")), 120);
        List<ProcessHandle> procs = h.children();
        h.kill9();
        for (ProcessHandle p : procs) p.destroyForcibly();
        h.waitExit(60);
        ProcessHarness.awaitGone(procs, 60);
        // Still queued by what qmail-queue made durable.
        assertThat(tq.q.todo(n)).exists();
        assertThat(tq.q.intd(n)).exists();
        assertThat(tq.q.mess(n)).exists();

        ProcessHarness again = new ProcessHarness(tq);
        harnesses.track(again);
        int mark = again.logLines().size();
        again.start();
        again.await("delivered after the restart", () -> {
            List<String> log = again.logLines();
            return log.subList(Math.min(mark, log.size()), log.size()).contains("end msg " + n);
        }, 120);
        assertThat(again.deliveredIds()).contains("<slow-k@x>");
        again.signal(Proc.SIGTERM);
        assertThat(again.waitExit(60)).isZero();
        assertThat(tq.leftovers()).isEmpty();
    }
}
