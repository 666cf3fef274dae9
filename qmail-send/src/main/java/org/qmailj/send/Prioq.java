package org.qmailj.send;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A priority queue of messages by the time they are next due, as qmail's prioq: the least
 * {@code dt} first. Scheduler thread only.
 */
final class Prioq {
    record Entry(long dt, long id) {}

    private final PriorityQueue<Entry> q = new PriorityQueue<>((a, b) -> a.dt != b.dt ? Long.compare(a.dt, b.dt) : Long.compare(a.id, b.id));

    void add(long dt, long id) { q.add(new Entry(dt, id)); }

    /** The least entry, or null. */
    Entry min() { return q.peek(); }

    Entry pop() { return q.poll(); }

    int size() { return q.size(); }

    /** SIGALRM: everything is due {@code now}. */
    void allDue(long now) {
        List<Entry> all = new ArrayList<>(q);
        q.clear();
        for (Entry e : all) q.add(new Entry(Math.min(e.dt, now), e.id));
    }

    /** Entries of message {@code id} become due by {@code now}; false if it has none. */
    boolean advance(long id, long now) {
        List<Entry> mine = new ArrayList<>();
        q.removeIf(e -> e.id == id && mine.add(e));
        for (Entry e : mine) q.add(new Entry(Math.min(e.dt, now), id));
        return !mine.isEmpty();
    }

    List<Entry> entries() { return List.copyOf(q); }
}
