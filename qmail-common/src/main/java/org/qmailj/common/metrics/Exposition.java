package org.qmailj.common.metrics;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/**
 * Prometheus' text exposition format (version 0.0.4), written by hand: the format is a few
 * lines of {@code # HELP}, {@code # TYPE} and {@code name{labels} value}, and a client library
 * would be this suite's first runtime dependency for that. Each daemon renders its counters
 * with one of these per scrape, then {@link #jvm} for the figures every JVM has.
 */
public final class Exposition {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder b = new StringBuilder(8192);

    public Exposition help(String name, String type, String text) {
        b.append("# HELP ").append(name).append(' ').append(text.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** One sample; {@code labels} alternate name and value. */
    public Exposition sample(String name, long value, String... labels) {
        line(name, Long.toString(value), labels);
        return this;
    }

    /** A help line and one sample without labels. */
    public Exposition single(String name, String type, String help, long value) {
        return help(name, type, help).sample(name, value);
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

    /** The buckets, sum and count of {@code h}; {@code labels} alternate name and value. */
    public Exposition histogram(String name, Histogram h, String... labels) {
        long[] cum = h.cumulative();
        int n = h.buckets();
        long count = cum[n];
        String[] withLe = java.util.Arrays.copyOf(labels, labels.length + 2);
        withLe[labels.length] = "le";
        for (int i = 0; i < n; i++) {
            withLe[labels.length + 1] = number(h.bound(i));
            line(name + "_bucket", Long.toString(cum[i]), withLe);
        }
        withLe[labels.length + 1] = "+Inf";
        line(name + "_bucket", Long.toString(count), withLe);
        line(name + "_sum", number(h.sum()), labels);
        line(name + "_count", Long.toString(count), labels);
        return this;
    }

    /** Heap, live threads and the start time of {@code program} (epoch milliseconds). */
    public Exposition jvm(String program, long startedAtMillis) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        single("jvm_memory_heap_used_bytes", "gauge", "JVM heap in use.", heap.getUsed());
        single("jvm_memory_heap_committed_bytes", "gauge", "JVM heap committed.", heap.getCommitted());
        single("jvm_memory_heap_max_bytes", "gauge", "JVM heap limit (-1: none).", heap.getMax());
        single("jvm_threads_live", "gauge", "Live JVM threads.", ManagementFactory.getThreadMXBean().getThreadCount());
        single("process_start_time_seconds", "gauge", "When " + program + " started.", startedAtMillis / 1000);
        return this;
    }

    public String text() {
        return b.toString();
    }

    public static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** Label values escape backslash, double quote and newline (the format's three). */
    public static String escapeLabel(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
