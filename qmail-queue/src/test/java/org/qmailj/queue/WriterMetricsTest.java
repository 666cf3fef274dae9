package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailIds;
import org.qmailj.common.metrics.MetricsServer;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.testing.Scrape;

/**
 * The queue writer's /metrics (control/statusaddr-queued) after real traffic through its
 * socket: commits with their bytes and fsync times, a message dropped mid-stream, one
 * abandoned after its number, a connection refused over budget; nothing listens without the
 * control file.
 */
class WriterMetricsTest {
    @TempDir Path dir;

    private static WriterServer writer(TestHome t, WriterSettings settings) throws Exception {
        QmailIds ids = QmailIds.read(t.home);
        WriterServer s = WriterServer.bind(new QueueWriter(t.queue, ReceivedLine.of(ids), Clock.systemUTC()), ids, settings);
        s.start();
        return s;
    }

    private static Map<String, Double> await(InetSocketAddress a, Predicate<Map<String, Double>> ok) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        Map<String, Double> m;
        do {
            m = Scrape.metrics(a);
            if (ok.test(m)) return m;
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("metrics never as wanted: " + m);
    }

    @Test
    void countsCommitsFailuresAbortsAndRefusals() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        t.control("statusaddr-queued", "127.0.0.1:0\n");
        List<String> warnings = new ArrayList<>();
        try (WriterServer s = writer(t, new WriterSettings(3, 1, 1, Duration.ofSeconds(30), false));
                MetricsServer m = WriterMetrics.serve(t.home, s, warnings::add).orElseThrow()) {
            InetSocketAddress a = m.address();
            assertThat(MetricsServer.LISTENING.get(t.home.root().resolve("control/statusaddr-queued"))).isEqualTo(a);
            SocketQueueClient client = new SocketQueueClient(s.socket());
            for (int i = 0; i < 3; i++) {
                try (QueueClient.Session q = client.open()) {
                    q.message().write(("Subject: " + i + "\n\n" + "body\n".repeat(i * 100)).getBytes());
                    assertThat(q.commit(new Envelope("a@b", List.of("c@d"))).ok()).isTrue();
                }
            }
            // Dropped mid-message: the writer reads end of input (failed, files removed).
            try (QueueClient.Session q = client.open()) {
                q.message().write("half a message\n".getBytes());
                q.message().flush();
            }
            // Abandoned after 'P': told its number, never committed.
            try (SocketChannel ch = SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                ch.connect(java.net.UnixDomainSocketAddress.of(s.socket()));
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch));
                WriterProtocol.writeHeader(out, 1, null);
                try (var chunks = new WriterProtocol.ChunkOutputStream(out)) {
                    chunks.write("never committed\n".getBytes());
                }
                out.write(new Envelope("a@b", List.of("c@d")).encode());
                out.flush();
                assertThat(WriterProtocol.readAnswer(Channels.newInputStream(ch))).isInstanceOf(WriterProtocol.Prepared.class);
            }
            Map<String, Double> got = await(a, x -> x.get("qmail_queued_messages_aborted_total") == 1
                    && x.get("qmail_queued_messages_failed_total") == 1 && x.get("qmail_queued_connections_current") == 0);
            long bytes = 0;
            for (long n : t.todo()) bytes += Files.size(t.queue.mess(n));
            assertThat(t.todo()).hasSize(3);
            assertThat(got.get("qmail_queued_messages_committed_total")).isEqualTo(3.0);
            assertThat(got.get("qmail_queued_committed_bytes_total")).isEqualTo((double) bytes);
            assertThat(got.get("qmail_queued_fsync_seconds_count")).isEqualTo(3.0);
            assertThat(got.get("qmail_queued_fsync_seconds_bucket{le=\"+Inf\"}")).isEqualTo(3.0);
            assertThat(got.get("qmail_queued_fsync_seconds_sum")).isPositive();
            // The three commits and the dropped message went over one kept connection.
            assertThat(got.get("qmail_queued_connections_total")).isEqualTo(2.0);
            assertThat(got.get("jvm_threads_live")).isPositive();

            // Three silent connections take the whole budget (the test's uid is a reserved one):
            // the fourth hears 71 at once.
            try (SocketChannel x = WriterIsolationTest.connect(s); SocketChannel y = WriterIsolationTest.connect(s);
                    SocketChannel z = WriterIsolationTest.connect(s)) {
                for (SocketChannel c : List.of(x, y, z)) Channels.newOutputStream(c).write('Q');
                WriterIsolationTest.awaitHeld(s, 3);
                try (QueueClient.Session q = client.open()) {
                    q.message().write("over budget\n".getBytes());
                    assertThat(q.commit(new Envelope("a@b", List.of("c@d"))).exit()).isEqualTo(71);
                }
                got = Scrape.metrics(a);
                assertThat(got.get("qmail_queued_connections_current")).isEqualTo(3.0);
            }
            got = await(a, x -> x.get("qmail_queued_connections_current") == 0);
            assertThat(got.get("qmail_queued_connections_refused_total{limit=\"total\"}")).isEqualTo(1.0);
            assertThat(got.get("qmail_queued_connections_refused_total{limit=\"per_uid\"}")).isEqualTo(0.0);
            assertThat(got.get("qmail_queued_connections_total")).isEqualTo(5.0);
            assertThat(got.get("qmail_queued_messages_committed_total")).isEqualTo(3.0);
            assertThat(Scrape.get(a, "/nope", "GET").status()).isEqualTo(404);
            assertThat(Scrape.get(a, "/metrics", "DELETE").status()).isEqualTo(405);
            assertThat(warnings).isEmpty();
        }
        assertThat(MetricsServer.LISTENING).doesNotContainKey(t.home.root().resolve("control/statusaddr-queued"));
    }

    @Test
    void withoutStatusaddrQueuedNothingListens() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        long self = ProcessHandle.current().pid();
        Set<String> before = Scrape.listening(self);
        List<String> warnings = new ArrayList<>();
        try (WriterServer s = writer(t, WriterSettings.forOpenFiles(1024))) {
            Optional<MetricsServer> m = WriterMetrics.serve(t.home, s, warnings::add);
            assertThat(m).isEmpty();
            assertThat(Scrape.listening(self)).isEqualTo(before);
            t.control("statusaddr-queued", "no port here\n");
            assertThat(WriterMetrics.serve(t.home, s, warnings::add)).isEmpty();
            assertThat(warnings).containsExactly("bad control/statusaddr-queued no_port_here; no metrics");
            assertThat(Scrape.listening(self)).isEqualTo(before);
        }
    }

    @Test
    void theDaemonLogsWhereItServes() throws Exception {
        TestHome t = TestHome.sandbox(dir.resolve("home"));
        t.control("statusaddr-queued", "127.0.0.1:0\n");
        Path err = dir.resolve("stderr");
        Process d = WriterDaemonTest.startDaemon(System.getProperty("java.class.path"), t, Map.of(),
                List.of("-XX:TieredStopAtLevel=1"), ProcessBuilder.Redirect.to(err.toFile()));
        try {
            java.util.regex.Pattern on = java.util.regex.Pattern.compile("qmail-queued: metrics on (\\S+):(\\d+)\n");
            long deadline = System.nanoTime() + 30_000_000_000L;
            java.util.regex.Matcher m = on.matcher("");
            while (!m.find()) {
                assertThat(System.nanoTime()).as("the metrics log line").isLessThan(deadline);
                Thread.sleep(20);
                m = on.matcher(Files.readString(err));
            }
            InetSocketAddress a = new InetSocketAddress(java.net.InetAddress.getByName(m.group(1)), Integer.parseInt(m.group(2)));
            try (QueueClient.Session q = new SocketQueueClient(WriterProtocol.socket(t.queue)).open()) {
                q.message().write("hello\n".getBytes());
                assertThat(q.commit(new Envelope("a@b", List.of("c@d"))).ok()).isTrue();
            }
            assertThat(Scrape.metrics(a).get("qmail_queued_messages_committed_total")).isEqualTo(1.0);
            assertThat(Scrape.listening(d.pid())).hasSize(1);
        } finally {
            d.destroy();
            if (!d.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) d.destroyForcibly().waitFor();
        }
    }
}
