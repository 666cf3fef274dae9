package org.qmailj.send;

import java.util.ArrayList;
import java.util.List;

/** The last lines qmail-send logged, for the status page. Callers hold {@link SendLog}'s lock. */
final class LogTail {
    static final int LINES = 50;
    private final String[] ring = new String[LINES];
    private final long[] times = new long[LINES];
    private int next;
    private int size;

    record Line(long millis, String text) {}

    void add(String line) {
        ring[next] = line;
        times[next] = System.currentTimeMillis();
        next = (next + 1) % LINES;
        if (size < LINES) size++;
    }

    /** Oldest first. */
    List<Line> lines() {
        List<Line> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int k = (next - size + i + LINES) % LINES;
            out.add(new Line(times[k], ring[k]));
        }
        return out;
    }
}
