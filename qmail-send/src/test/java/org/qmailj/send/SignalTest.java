package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignalTest {
    @TempDir Path home;

    @Test
    void termStartsNothingNewAndWaitsForDeliveriesInProgress() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = new SendHarness(tq).start()) {
            long n = tq.inject("t1@x", "s@domain", "slowbox");
            h.awaitLog("starting delivery 1: msg " + n + " to local slowbox@domain", 20);
            h.events.add(new Event.Terminate());
            long m = tq.inject("t2@x", "s@domain", "other");
            assertThat(h.stop()).isZero();
            List<String> lines = h.logLines();
            assertThat(lines).contains("delivery 1: success: did_1+0+0/");
            assertThat(lines.indexOf("delivery 1: success: did_1+0+0/")).isLessThan(lines.indexOf("status: exiting"));
            assertThat(lines).endsWith("status: exiting");
            assertThat(lines).noneMatch(l -> l.startsWith("starting delivery 2"));
            assertThat(h.delivered()).containsExactly("slowbox@domain <t1@x> s@domain");
            // The second message is still queued for the next start.
            assertThat(tq.q.mess(m)).exists();
        }
        try (SendHarness h = new SendHarness(tq).start()) {
            h.await("second delivered", () -> {
                try {
                    return h.delivered().size() == 2;
                } catch (java.io.IOException e) {
                    return false;
                }
            }, 20);
        }
    }

    @Test
    void emptyVirtualDomainIsACatchAll() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        tq.control("virtualdomains", ":catchall", "keep.example:");
        try (SendHarness h = new SendHarness(tq).start()) {
            long n = tq.inject("v@x", "s@domain", "z@anywhere.example", "k@keep.example");
            h.awaitLog("end msg " + n, 20);
            assertThat(h.logLines()).contains("starting delivery 1: msg " + n + " to local catchall-z@anywhere.example")
                    .anyMatch(l -> l.endsWith("to remote k@keep.example"));
        }
    }
}
