package org.qmailj.queue;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets one warning of a kind through per interval, so a flood of failures (a full disk, a
 * client over budget) cannot fill the log; the count each line carries says what was skipped.
 */
final class LogGate {
    private final long intervalNanos;
    private final AtomicLong last;

    LogGate(long intervalNanos) {
        this.intervalNanos = intervalNanos;
        this.last = new AtomicLong(System.nanoTime() - intervalNanos - 1);
    }

    /** True for the one caller that may log now. */
    boolean open() {
        long now = System.nanoTime();
        long then = last.get();
        return now - then > intervalNanos && last.compareAndSet(then, now);
    }
}
