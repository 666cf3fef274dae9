package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP rereads locals and virtualdomains; other controls stay as they were at start. */
class HangupTest {
    @TempDir Path home;

    @Test
    void hangupRereadsLocalsAndVirtualdomains() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = new SendHarness(tq).start()) {
            h.awaitLog("status: local 0/10 remote 0/20", 20);
            long m = tq.inject("h1@x", "s@domain", "a@new.example", "b@virt.example");
            h.awaitLog("end msg " + m, 20);
            assertThat(h.logLines()).contains("starting delivery 2: msg " + m + " to remote b@virt.example");
            tq.control("locals", "domain", "new.example");
            tq.control("virtualdomains", "virt.example:v");
            tq.control("concurrencylocal", "5");
            h.events.add(new Event.Hangup());
            h.await("hup handled", () -> h.events.isEmpty(), 20);
            Thread.sleep(200);
            long n = tq.inject("h2@x", "s@domain", "a@new.example", "b@virt.example");
            // n may reuse m's inode, so "end msg n" may be in the log already: wait for the deliveries.
            h.awaitLog("starting delivery 4: msg " + n + " to local v-b@virt.example", 20);
            assertThat(h.logLines()).contains("starting delivery 3: msg " + n + " to local a@new.example",
                    "starting delivery 4: msg " + n + " to local v-b@virt.example",
                    "status: local 1/10 remote 0/20");
        }
    }
}
