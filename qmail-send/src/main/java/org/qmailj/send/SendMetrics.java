package org.qmailj.send;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import org.qmailj.common.log.QmailLog;
import org.qmailj.common.metrics.Histogram;

/**
 * qmail-send's counters, incremented by the scheduler where it writes the matching log line
 * and read by the status thread ({@link StatusServer}). Counters are {@link LongAdder}s: an
 * uncontended add is one CAS on the scheduler thread, and the reader never blocks it. The start
 * times of deliveries are kept by slot, on the scheduler thread only.
 */
final class SendMetrics {
    enum Result {
        SUCCESS("success"), DEFERRAL("deferral"), FAILURE("failure");
        final String word;
        Result(String word) { this.word = word; }
    }

    /** Seconds one delivery attempt takes: a local delivery is milliseconds, SMTP seconds. */
    static final double[] ATTEMPT_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1200};
    /** Seconds from a message's arrival to its final delivery: retries span days. */
    static final double[] QUEUE_BOUNDS = {1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400};

    /** Distinct reasons kept per result; later ones count as "(other)" (reports come from outside). */
    static final int MAX_REASONS = 200;
    static final int MAX_REASON_CHARS = 160;

    private static final int CH = Channel.values().length;
    private static final int RES = Result.values().length;

    private final LongAdder[] deliveries = adders(CH * RES);
    private final LongAdder[] started = adders(CH);
    private final LongAdder[] inProgress = adders(CH);
    private final AtomicIntegerArray limits = new AtomicIntegerArray(CH);
    private final Histogram[] attempt = new Histogram[CH];
    private final Histogram[] queueDelay = new Histogram[CH];
    private final long[][] startNanos = new long[CH][];
    final LongAdder preprocessed = new LongAdder();
    final LongAdder ended = new LongAdder();
    final LongAdder mangled = new LongAdder();
    /** Remote deliveries in progress by recipient domain (the scheduler is the only writer). */
    final Map<String, Integer> remoteDomains = new ConcurrentHashMap<>();
    private final Map<Result, Map<String, LongAdder>> reasons = Map.of(
            Result.DEFERRAL, new ConcurrentHashMap<>(), Result.FAILURE, new ConcurrentHashMap<>());
    final long startedAt = System.currentTimeMillis();

    SendMetrics() {
        for (int c = 0; c < CH; c++) {
            attempt[c] = new Histogram(ATTEMPT_BOUNDS);
            queueDelay[c] = new Histogram(QUEUE_BOUNDS);
            startNanos[c] = new long[0];
        }
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) a[i] = new LongAdder();
        return a;
    }

    /** The channel's slots in force (scheduler thread, before the first delivery). */
    void channel(Channel c, int limit) {
        limits.set(c.ordinal(), limit);
        startNanos[c.ordinal()] = new long[Math.max(0, limit)];
    }

    /** "starting delivery": scheduler thread. */
    void started(Channel c, int delnum, String recipient) {
        started[c.ordinal()].increment();
        inProgress[c.ordinal()].increment();
        if (delnum >= 0 && delnum < startNanos[c.ordinal()].length) startNanos[c.ordinal()][delnum] = System.nanoTime();
        if (c == Channel.REMOTE) remoteDomains.merge(domain(recipient), 1, Integer::sum);
    }

    /** "delivery d: result": scheduler thread. {@code birth} is the message's info/ mtime. */
    void finished(Channel c, int delnum, String recipient, Result r, String report, long birth, long now) {
        int ch = c.ordinal();
        deliveries[ch * RES + r.ordinal()].increment();
        inProgress[ch].decrement();
        if (delnum >= 0 && delnum < startNanos[ch].length) attempt[ch].record((System.nanoTime() - startNanos[ch][delnum]) / 1e9);
        if (r != Result.DEFERRAL) queueDelay[ch].record(Math.max(0, now - birth));
        else reason(r, report);
        if (r == Result.FAILURE) reason(r, report);
        if (c == Channel.REMOTE) remoteDomains.computeIfPresent(domain(recipient), (k, v) -> v <= 1 ? null : v - 1);
    }

    private void reason(Result r, String report) {
        Map<String, LongAdder> m = reasons.get(r);
        String key = reasonOf(report);
        LongAdder a = m.get(key);
        if (a == null) {
            if (m.size() >= MAX_REASONS) key = "(other)";
            a = m.computeIfAbsent(key, k -> new LongAdder());
        }
        a.increment();
    }

    /** A report's reason: its text as the log shows it, cut to a bounded length. */
    static String reasonOf(String report) {
        String s = QmailLog.safe(report);
        while (s.endsWith("/")) s = s.substring(0, s.length() - 1);
        return s.length() > MAX_REASON_CHARS ? s.substring(0, MAX_REASON_CHARS) + "..." : s;
    }

    static String domain(String recipient) {
        int at = recipient.lastIndexOf('@');
        return (at < 0 ? "" : recipient.substring(at + 1)).toLowerCase(java.util.Locale.ROOT);
    }

    long deliveries(Channel c, Result r) { return deliveries[c.ordinal() * RES + r.ordinal()].sum(); }

    long deliveries(Result r) {
        long n = 0;
        for (Channel c : Channel.values()) n += deliveries(c, r);
        return n;
    }

    long started(Channel c) { return started[c.ordinal()].sum(); }

    long inProgress(Channel c) { return inProgress[c.ordinal()].sum(); }

    int limit(Channel c) { return limits.get(c.ordinal()); }

    Histogram attempt(Channel c) { return attempt[c.ordinal()]; }

    Histogram queueDelay(Channel c) { return queueDelay[c.ordinal()]; }

    /** Reasons with their counts (a copy). */
    Map<String, Long> reasons(Result r) {
        Map<String, Long> out = new java.util.HashMap<>();
        Map<String, LongAdder> m = reasons.get(r);
        if (m != null) m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
