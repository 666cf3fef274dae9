package org.qmailj.send;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram: a count per bucket (the last one above every bound) and a sum. The
 * total is the sum of the buckets, so a scrape during a record never shows +Inf below a bucket.
 */
final class Histogram {
    /** Seconds one delivery attempt takes: a local delivery is milliseconds, SMTP seconds. */
    static final double[] ATTEMPT_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1200};
    /** Seconds from a message's arrival to its final delivery: retries span days. */
    static final double[] QUEUE_BOUNDS = {1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400};

    final double[] bounds;
    private final LongAdder[] counts;
    private final DoubleAdder sum = new DoubleAdder();

    Histogram(double[] bounds) {
        this.bounds = bounds;
        this.counts = new LongAdder[bounds.length + 1];
        for (int i = 0; i < counts.length; i++) counts[i] = new LongAdder();
    }

    void record(double v) {
        int i = 0;
        while (i < bounds.length && v > bounds[i]) i++;
        counts[i].increment();
        sum.add(v);
    }

    /** Cumulative counts per bound, then the total (+Inf), as the exposition format wants them. */
    long[] cumulative() {
        long[] c = new long[counts.length];
        long run = 0;
        for (int i = 0; i < counts.length; i++) {
            run += counts[i].sum();
            c[i] = run;
        }
        return c;
    }

    double sum() { return sum.sum(); }
}
