package org.qmailj.queue;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Messages the writer removed after it had told their client N ('P'): a commit request that
 * never arrived (the client went away or stalled past the read timeout), or a resolve that
 * removed them. A later resolve for N must answer "not queued" although intd/N is gone, which
 * otherwise means "committed". Kept for {@code keepNanos} (clients resolve within seconds) and
 * at most {@code max} numbers, the oldest dropped first. Thread-safe.
 */
final class AbortedNumbers {
    private final long keepNanos;
    private final int max;
    private final LinkedHashMap<Long, Long> since = new LinkedHashMap<>();

    AbortedNumbers(long keepNanos, int max) {
        this.keepNanos = keepNanos;
        this.max = max;
    }

    synchronized void add(long n) {
        expire();
        since.remove(n);
        since.put(n, System.nanoTime());
        if (since.size() > max) since.pollFirstEntry();
    }

    synchronized boolean contains(long n) {
        expire();
        return since.containsKey(n);
    }

    private void expire() {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<Long, Long>> i = since.entrySet().iterator(); i.hasNext(); ) {
            if (now - i.next().getValue() <= keepNanos) return;
            i.remove();
        }
    }
}
