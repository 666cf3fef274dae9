package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A message the todo thread just preprocessed is delivered from what it wrote ({@link Fresh}),
 * without the scheduler reading info/N, local/N, remote/N back; after a restart the same
 * queue is delivered from those files. Both ways must give the same sender and (rewritten)
 * recipients, and a recipient done before the restart must not be delivered again.
 */
class FreshMessagesTest {
    @TempDir Path home;

    @Test
    void freshMessageIsDeliveredWithItsSenderAndRewrittenRecipients() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        tq.control("virtualdomains", "virt.example:joe");
        try (SendHarness h = new SendHarness(tq).start()) {
            long n = tq.inject("fresh1@x", "fresh-sender@domain", "me@domain", "info@virt.example", "far@remote.example", "fail@domain");
            h.awaitLog("end msg " + n, 20);
            h.await("the bounce delivered", () -> SendHarness.quiet(() -> h.delivered().size() == 4), 20);
            assertThat(h.delivered()).filteredOn(l -> l.contains("<fresh1@x>")).containsExactlyInAnyOrder(
                    "me@domain <fresh1@x> fresh-sender@domain",
                    "joe-info@virt.example <fresh1@x> fresh-sender@domain",
                    "far@remote.example <fresh1@x> fresh-sender@domain");
            // the bounce of fail@domain, to the sender, from <>
            assertThat(h.delivered()).filteredOn(l -> !l.contains("<fresh1@x>")).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                    .matches("fresh-sender@domain <\\d+\\.\\d+\\.qmail@domain> ");
            synchronized (h.injected) {
                assertThat(h.injected).hasSize(1);
                assertThat(h.injected.getFirst().message()).contains("<fail@domain>:");
            }
            h.await("the queue empty", () -> SendHarness.quiet(() -> tq.leftovers().isEmpty()), 20);
        }
    }

    @Test
    void afterARestartTheQueuedMessageIsDeliveredFromItsFiles() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        String later = "fresh-later@domain";
        String laterRemote = "fresh-later@remote.example";
        FakeSpawner.DEFERRING.add(later);
        FakeSpawner.DEFERRING.add(laterRemote);
        long n;
        try {
            try (SendHarness h = new SendHarness(tq).start()) {
                n = tq.inject("fresh2@x", "restart-sender@domain", "now@domain", later, laterRemote);
                h.await("one delivery, two deferrals", () -> SendHarness.quiet(() -> h.delivered().size() == 1)
                        && h.logLines().stream().filter(l -> l.contains(": deferral: ")).count() == 2, 20);
                assertThat(h.stop()).isZero();
            }
            assertThat(tq.q.info(n)).exists();
            assertThat(tq.q.local(n)).exists();
            assertThat(tq.q.remote(n)).exists();
        } finally {
            FakeSpawner.DEFERRING.remove(later);
            FakeSpawner.DEFERRING.remove(laterRemote);
        }
        // A new qmail-send over the same queue knows nothing of it but the files.
        try (SendHarness h = new SendHarness(tq).start()) {
            h.awaitLog("status: local 0/10 remote 0/20", 20);
            h.events.add(new Event.Alarm());
            h.awaitLog("end msg " + n, 20);
            assertThat(h.delivered()).containsExactlyInAnyOrder(
                    "now@domain <fresh2@x> restart-sender@domain",
                    later + " <fresh2@x> restart-sender@domain",
                    laterRemote + " <fresh2@x> restart-sender@domain");
            h.await("the queue empty", () -> SendHarness.quiet(() -> tq.leftovers().isEmpty()), 20);
        }
        assertThat(Files.exists(tq.q.info(n))).isFalse();
    }
}
