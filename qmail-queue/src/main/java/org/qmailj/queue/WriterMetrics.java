package org.qmailj.queue;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.qmailj.common.QmailHome;
import org.qmailj.common.metrics.Exposition;
import org.qmailj.common.metrics.Histogram;
import org.qmailj.common.metrics.MetricsServer;

/**
 * The queue writer's counters for its /metrics (control/statusaddr-queued). Each connection's
 * thread bumps {@link LongAdder}s where the event happens, outside every lock (the budget's
 * included); a scrape sums them on the HTTP threads.
 */
final class WriterMetrics {
    /** Seconds of fsync per commit (message, intd, their directories; then todo/): disks differ by 1000x. */
    static final double[] FSYNC_BOUNDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    final LongAdder committed = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder aborted = new LongAdder();
    final LongAdder admitted = new LongAdder();
    final LongAdder refusedPerUid = new LongAdder();
    final LongAdder refusedTotal = new LongAdder();
    /** qmail-clean sessions now open (qmail-send's, normally one). */
    final LongAdder cleanSessions = new LongAdder();
    final Histogram fsync = new Histogram(FSYNC_BOUNDS);
    final long startedAt = System.currentTimeMillis();

    /** A message in todo/: its mess/ bytes and the time its fsyncs took. */
    void committed(QueueWriter.Staged s) {
        committed.increment();
        bytes.add(s.bytes());
        fsync.record(s.syncNanos() / 1e9);
    }

    /** A connection over budget; {@code perUid}: its uid's own cap was the one reached. */
    void refused(boolean perUid) {
        (perUid ? refusedPerUid : refusedTotal).increment();
    }

    String render(int connections) {
        Exposition e = new Exposition();
        e.single("qmail_queued_messages_committed_total", "counter", "Messages committed to todo/ (exit 0).", committed.sum());
        e.single("qmail_queued_committed_bytes_total", "counter", "Bytes of committed messages in mess/ (with the Received line).", bytes.sum());
        e.single("qmail_queued_messages_failed_total", "counter",
                "Messages refused with an exit code (bad envelope, read or write error, disk trouble); nothing kept.", failed.sum());
        e.single("qmail_queued_messages_aborted_total", "counter",
                "Messages whose client went away or stalled before its commit; files removed (or emptied, if it was told N and stalled).", aborted.sum());
        e.help("qmail_queued_fsync_seconds", "histogram", "Time the fsyncs of one committed message took together.");
        e.histogram("qmail_queued_fsync_seconds", fsync);
        e.single("qmail_queued_connections_current", "gauge", "Connections admitted and not yet ended.", connections);
        e.single("qmail_queued_connections_total", "counter", "Connections admitted within budget.", admitted.sum());
        e.help("qmail_queued_connections_refused_total", "counter",
                "Connections answered 71 over budget, by the limit reached: per_uid (QMAILQUEUED_PERUID) or total.");
        e.sample("qmail_queued_connections_refused_total", refusedPerUid.sum(), "limit", "per_uid");
        e.sample("qmail_queued_connections_refused_total", refusedTotal.sum(), "limit", "total");
        e.single("qmail_queued_clean_sessions_current", "gauge",
                "qmail-clean sessions served for qmail-send (outside the connections above).", cleanSessions.sum());
        e.jvm("qmail-queued", startedAt);
        return e.text();
    }

    /** /metrics on control/statusaddr-queued, if it names an address; a bad one is reported to {@code warn}. */
    static Optional<MetricsServer> serve(QmailHome home, WriterServer server, Consumer<String> warn) {
        WriterMetrics m = server.metrics();
        IntSupplier live = server::connections;
        return MetricsServer.start(home, "statusaddr-queued", Optional.empty(), "queued-metrics",
                Map.of("/metrics", () -> MetricsServer.Page.metrics(m.render(live.getAsInt()))), warn);
    }
}
