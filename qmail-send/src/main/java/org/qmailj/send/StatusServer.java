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
    /**
     * A scrape reuses a census this recent (a busy scraper cannot make the status thread spin on
     * the queue), or {@link #CENSUS_COST_FACTOR} times as old as that census took to make: a
     * census reads every local/ and remote/ file, seconds of CPU with a backlog of 100,000, and
     * scrapes then cost the draining queue at most a tenth of a core.
     */
    static final long CENSUS_TTL_MS = 1000;
    static final long CENSUS_COST_FACTOR = 10;

    private final QueueLayout queue;
    private final SendMetrics metrics;
    private final StatusHistory history = new StatusHistory();
    private MetricsServer http;
    private Thread sampler;
    private QueueCensus census;
    private long censusTakenMs;
    private long censusCostMs;
    private volatile boolean closed;

    /** Where the status server of the home at {@code root} listens (tests bind port 0), or null. */
    static InetSocketAddress listening(Path root) {
        return MetricsServer.LISTENING.get(root.resolve("control").resolve("statusaddr"));
    }

    /** Starts the server if control/statusaddr names an address; a bad one is logged and skipped. */
    static Optional<StatusServer> start(QmailHome home, QueueLayout queue, SendMetrics metrics, SendLog log) {
        StatusServer s = new StatusServer(queue, metrics);
        Optional<MetricsServer> http = MetricsServer.start(home, "statusaddr", Optional.empty(), "status", Map.of(
                "/metrics", () -> Page.metrics(SendExposition.render(metrics, s.census())),
                "/", () -> new Page("text/html; charset=utf-8",
                        StatusPage.render(metrics, s.census(), s.history.samples(), log.tail()))),
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

    /** Samples on a thread of their own, not the main thread: a big queue must not delay the scheduler's start. */
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

    /** The chart's point: the queue's size from directory names only, never a whole census. */
    private void sample() {
        long at = System.currentTimeMillis() / 1000;
        history.add(new StatusHistory.Sample(at, QueueCensus.queueSize(queue), metrics.deliveries(SendMetrics.Result.SUCCESS),
                metrics.deliveries(SendMetrics.Result.DEFERRAL), metrics.deliveries(SendMetrics.Result.FAILURE)));
    }

    /** Whether a census {@code ageMs} old, which took {@code costMs} to make, is made again. */
    static boolean stale(long ageMs, long costMs) {
        return ageMs > Math.max(CENSUS_TTL_MS, CENSUS_COST_FACTOR * costMs);
    }

    private synchronized QueueCensus census() {
        long now = System.currentTimeMillis();
        if (census == null || stale(now - censusTakenMs, censusCostMs)) {
            long t0 = System.nanoTime();
            census = QueueCensus.scan(queue);
            censusCostMs = (System.nanoTime() - t0) / 1_000_000;
            censusTakenMs = now;
        }
        return census;
    }

    @Override
    public void close() {
        closed = true;
        sampler.interrupt();
        http.close();
    }
}
