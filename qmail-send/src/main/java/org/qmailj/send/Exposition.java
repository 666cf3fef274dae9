package org.qmailj.send;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/**
 * /metrics in Prometheus' text exposition format (version 0.0.4), written by hand: the format
 * is a few lines of {@code # HELP}, {@code # TYPE} and {@code name{labels} value}, and a
 * client library would be this suite's first runtime dependency for that.
 */
final class Exposition {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder b = new StringBuilder(8192);

    static String render(SendMetrics m, QueueCensus q) {
        Exposition e = new Exposition();
        e.help("qmailj_queue_messages", "gauge", "Messages in the queue by state: todo (not yet preprocessed), queued (preprocessed, not finished), bounce (waiting for their bounce).");
        e.sample("qmailj_queue_messages", q.todo(), "state", "todo");
        e.sample("qmailj_queue_messages", q.queued(), "state", "queued");
        e.sample("qmailj_queue_messages", q.bounces(), "state", "bounce");
        e.help("qmailj_queue_channel_messages", "gauge", "Queued messages with recipients on a channel (local/, remote/).");
        for (Channel c : Channel.values()) e.sample("qmailj_queue_channel_messages", q.channelMessages()[c.ordinal()], "channel", c.word);
        e.help("qmailj_queue_recipients", "gauge", "Recipients of queued messages by channel and state (pending: NOT DONE).");
        for (Channel c : Channel.values()) {
            e.sample("qmailj_queue_recipients", q.pending()[c.ordinal()], "channel", c.word, "state", "pending");
            e.sample("qmailj_queue_recipients", q.done()[c.ordinal()], "channel", c.word, "state", "done");
        }
        e.help("qmailj_queue_oldest_message_age_seconds", "gauge", "Age of the oldest preprocessed message (0: none).");
        e.sample("qmailj_queue_oldest_message_age_seconds", q.oldestAge());
        e.help("qmailj_queue_scan_timestamp_seconds", "gauge", "When the queue figures above were counted.");
        e.sample("qmailj_queue_scan_timestamp_seconds", q.at());

        e.help("qmailj_deliveries_total", "counter", "Finished delivery attempts by channel and result.");
        for (Channel c : Channel.values()) {
            for (SendMetrics.Result r : SendMetrics.Result.values()) {
                e.sample("qmailj_deliveries_total", m.deliveries(c, r), "channel", c.word, "result", r.word);
            }
        }
        e.help("qmailj_deliveries_started_total", "counter", "Delivery attempts started by channel.");
        for (Channel c : Channel.values()) e.sample("qmailj_deliveries_started_total", m.started(c), "channel", c.word);
        e.help("qmailj_delivery_reports_mangled_total", "counter", "Spawner reports that were neither K, Z nor D (counted as deferrals too).");
        e.sample("qmailj_delivery_reports_mangled_total", m.mangled.sum());
        e.help("qmailj_delivery_attempt_seconds", "histogram", "Time from starting a delivery to its report.");
        for (Channel c : Channel.values()) e.histogram("qmailj_delivery_attempt_seconds", m.attempt(c), "channel", c.word);
        e.help("qmailj_delivery_queue_delay_seconds", "histogram", "Time from a message's arrival (info/ mtime) to a recipient's success or failure.");
        for (Channel c : Channel.values()) e.histogram("qmailj_delivery_queue_delay_seconds", m.queueDelay(c), "channel", c.word);
        e.help("qmailj_concurrency_in_use", "gauge", "Deliveries in progress by channel.");
        for (Channel c : Channel.values()) e.sample("qmailj_concurrency_in_use", m.inProgress(c), "channel", c.word);
        e.help("qmailj_concurrency_limit", "gauge", "Delivery slots by channel (concurrencylocal/remote, capped by the spawner).");
        for (Channel c : Channel.values()) e.sample("qmailj_concurrency_limit", m.limit(c), "channel", c.word);
        e.help("qmailj_messages_preprocessed_total", "counter", "Messages preprocessed from todo/ (new msg).");
        e.sample("qmailj_messages_preprocessed_total", m.preprocessed.sum());
        e.help("qmailj_messages_completed_total", "counter", "Messages finished and removed (end msg).");
        e.sample("qmailj_messages_completed_total", m.ended.sum());

        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        e.help("jvm_memory_heap_used_bytes", "gauge", "JVM heap in use.");
        e.sample("jvm_memory_heap_used_bytes", heap.getUsed());
        e.help("jvm_memory_heap_committed_bytes", "gauge", "JVM heap committed.");
        e.sample("jvm_memory_heap_committed_bytes", heap.getCommitted());
        e.help("jvm_memory_heap_max_bytes", "gauge", "JVM heap limit (-1: none).");
        e.sample("jvm_memory_heap_max_bytes", heap.getMax());
        e.help("jvm_threads_live", "gauge", "Live JVM threads.");
        e.sample("jvm_threads_live", ManagementFactory.getThreadMXBean().getThreadCount());
        e.help("process_start_time_seconds", "gauge", "When qmail-send started its scheduler.");
        e.sample("process_start_time_seconds", m.startedAt / 1000);
        return e.b.toString();
    }

    private void help(String name, String type, String text) {
        b.append("# HELP ").append(name).append(' ').append(text.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(String name, long value, String... labels) {
        line(name, Long.toString(value), labels);
    }

    private void line(String name, String value, String... labels) {
        b.append(name);
        if (labels.length > 0) {
            b.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (i > 0) b.append(',');
                b.append(labels[i]).append("=\"").append(escapeLabel(labels[i + 1])).append('"');
            }
            b.append('}');
        }
        b.append(' ').append(value).append('\n');
    }

    private void histogram(String name, Histogram h, String label, String value) {
        long[] cum = h.cumulative();
        long count = cum[h.bounds.length];
        for (int i = 0; i < h.bounds.length; i++) line(name + "_bucket", Long.toString(cum[i]), label, value, "le", number(h.bounds[i]));
        line(name + "_bucket", Long.toString(count), label, value, "le", "+Inf");
        line(name + "_sum", number(h.sum()), label, value);
        line(name + "_count", Long.toString(count), label, value);
    }

    static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** Label values escape backslash, double quote and newline (the format's three). */
    static String escapeLabel(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
