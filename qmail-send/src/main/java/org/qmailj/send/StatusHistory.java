package org.qmailj.send;

import java.util.ArrayList;
import java.util.List;

/**
 * The last hour of the queue, for the status page: one {@link Sample} every
 * {@link #INTERVAL_SECONDS}, in a ring. Written by the sampler thread, read by the HTTP threads.
 */
final class StatusHistory {
    static final int INTERVAL_SECONDS = 15;
    static final int SAMPLES = 3600 / INTERVAL_SECONDS;

    /** Queue size and the cumulative delivery counters at one moment. */
    record Sample(long at, long messages, long success, long deferral, long failure) {}

    /** Deliveries of one minute (epoch minute) by result. */
    record Minute(long minute, long success, long deferral, long failure) {}

    private final Sample[] ring = new Sample[SAMPLES];
    private int next;
    private int size;

    synchronized void add(Sample s) {
        ring[next] = s;
        next = (next + 1) % SAMPLES;
        if (size < SAMPLES) size++;
    }

    /** Oldest first. */
    synchronized List<Sample> samples() {
        List<Sample> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) out.add(ring[(next - size + i + SAMPLES) % SAMPLES]);
        return out;
    }

    /**
     * Deliveries per minute, newest first: the difference of the counters between the last
     * sample of a minute and the last sample of the minute before it that has one.
     */
    static List<Minute> perMinute(List<Sample> samples) {
        List<Sample> lastOfMinute = new ArrayList<>();
        for (Sample s : samples) {
            if (!lastOfMinute.isEmpty() && lastOfMinute.getLast().at() / 60 == s.at() / 60) lastOfMinute.removeLast();
            lastOfMinute.add(s);
        }
        List<Minute> out = new ArrayList<>();
        for (int i = lastOfMinute.size() - 1; i > 0; i--) {
            Sample a = lastOfMinute.get(i - 1), b = lastOfMinute.get(i);
            out.add(new Minute(b.at() / 60, b.success() - a.success(), b.deferral() - a.deferral(), b.failure() - a.failure()));
        }
        return out;
    }
}
