package org.qmailj.send;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.qmailj.common.QmailHome;
import org.qmailj.common.log.QmailLog;
import org.qmailj.common.metrics.MetricsServer;
import org.qmailj.common.metrics.MetricsServer.Page;
import org.qmailj.common.queue.QueueLayout;

/**
 * /metrics and the status page, on the address in control/statusaddr (none: nothing listens),
 * served by the shared, bounded {@link MetricsServer} apart from the scheduler: the pages read
 * {@link SendMetrics}' adders, {@link SendLog}'s tail and a {@link QueueCensus}, and change
 * nothing. A sampler thread counts the queue every {@link StatusHistory#INTERVAL_SECONDS} for
 * the chart.
 */
final class StatusServer implements AutoCloseable {
    static final int MAX_CONNECTIONS = MetricsServer.MAX_CONNECTIONS;
    /** A scrape reuses a census this recent (a busy scraper cannot make the status thread spin on the queue). */
    static final long CENSUS_TTL_MS = 1000;

    private final QueueLayout queue;
    private final SendMetrics metrics;
    private final StatusHistory history = new StatusHistory();
    private MetricsServer http;
    private Thread sampler;
    private QueueCensus census;
    private volatile boolean closed;

    /** Where the status server of the home at {@code root} listens (tests bind port 0), or null. */
    static InetSocketAddress listening(Path root) {
        return MetricsServer.LISTENING.get(root.resolve("control").resolve("statusaddr"));
    }

    /** Starts the server if control/statusaddr names an address; a bad one is logged and skipped. */
    static Optional<StatusServer> start(QmailHome home, QueueLayout queue, SendMetrics metrics, SendLog log) {
        StatusServer s = new StatusServer(queue, metrics);
        Optional<MetricsServer> http = MetricsServer.start(home, "statusaddr", Optional.empty(), "status", Map.of(
                "/metrics", () -> Page.metrics(SendExposition.render(metrics, s.census(false))),
                "/", () -> new Page("text/html; charset=utf-8",
                        StatusPage.render(metrics, s.census(false), s.history.samples(), log.tail()))),
                w -> log.line(QmailLog.warning(w.replace("no metrics", "no status page"))));
        if (http.isEmpty()) return Optional.empty();
        s.http = http.get();
        s.sampler = Thread.ofPlatform().daemon().name("status-sampler").start(s::sampleLoop);
        return Optional.of(s);
    }

    private StatusServer(QueueLayout queue, SendMetrics metrics) {
        this.queue = queue;
        this.metrics = metrics;
    }

    /** The first census here too, not on the main thread: a big queue must not delay the scheduler's start. */
    private void sampleLoop() {
        while (!closed) {
            sample();
            try {
                Thread.sleep(StatusHistory.INTERVAL_SECONDS * 1000L);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample() {
        QueueCensus c = census(true);
        history.add(new StatusHistory.Sample(c.at(), c.messages(), metrics.deliveries(SendMetrics.Result.SUCCESS),
                metrics.deliveries(SendMetrics.Result.DEFERRAL), metrics.deliveries(SendMetrics.Result.FAILURE)));
    }

    private synchronized QueueCensus census(boolean fresh) {
        if (fresh || census == null || System.currentTimeMillis() - census.at() * 1000 > CENSUS_TTL_MS) census = QueueCensus.scan(queue);
        return census;
    }

    @Override
    public void close() {
        closed = true;
        sampler.interrupt();
        http.close();
    }
}
