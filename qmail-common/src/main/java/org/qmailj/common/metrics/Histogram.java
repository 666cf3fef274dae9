package org.qmailj.common.metrics;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram: a count per bucket (the last one above every bound) and a sum. The
 * total is the sum of the buckets, so a scrape during a record never shows +Inf below a bucket.
 * Adders only: recording never blocks the thread doing the work, nor does a scrape.
 */
public final class Histogram {
    private final double[] bounds;
    private final LongAdder[] counts;
    private final DoubleAdder sum = new DoubleAdder();

    public Histogram(double[] bounds) {
        this.bounds = bounds.clone();
        this.counts = new LongAdder[bounds.length + 1];
        for (int i = 0; i < counts.length; i++) counts[i] = new LongAdder();
    }

    public void record(double v) {
        int i = 0;
        while (i < bounds.length && v > bounds[i]) i++;
        counts[i].increment();
        sum.add(v);
    }

    /** The upper bounds of the buckets, without +Inf. */
    public double[] bounds() { return bounds.clone(); }

    int buckets() { return bounds.length; }

    double bound(int i) { return bounds[i]; }

    /** Cumulative counts per bound, then the total (+Inf), as the exposition format wants them. */
    public long[] cumulative() {
        long[] c = new long[counts.length];
        long run = 0;
        for (int i = 0; i < counts.length; i++) {
            run += counts[i].sum();
            c[i] = run;
        }
        return c;
    }

    public double sum() { return sum.sum(); }
}
