package org.qmailj.send;

import java.util.ArrayDeque;
import org.qmailj.common.queue.RecipientFile;

/**
 * The delivery slots of one channel: slot {@code delnum} is what the spawner's reports name;
 * the delivery id is the number in the log lines, counted across both channels from 1.
 * At most {@code limit} are used at once (concurrencylocal / concurrencyremote, capped by
 * what the spawner announced). Scheduler thread only.
 */
final class Deliveries {
    record Delivery(long delid, Job job, RecipientFile.Entry entry) {}

    final Channel channel;
    final int limit;
    private final Delivery[] slots;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private int used;

    Deliveries(Channel channel, int spawnerMax, int concurrency) {
        this.channel = channel;
        this.limit = Math.min(spawnerMax, concurrency);
        this.slots = new Delivery[Math.max(0, limit)];
        for (int i = 0; i < slots.length; i++) free.add(i);
    }

    int used() { return used; }

    boolean hasFree() { return used < limit; }

    int take(Delivery d) {
        int i = free.pop();
        slots[i] = d;
        used++;
        return i;
    }

    /** The jobs with deliveries out. */
    java.util.List<Job> jobs() {
        java.util.List<Job> jobs = new java.util.ArrayList<>();
        for (Delivery d : slots) if (d != null) jobs.add(d.job());
        return jobs;
    }

    /** The delivery in slot {@code delnum}, freed; null if there is none (a bad report). */
    Delivery finish(int delnum) {
        if (delnum < 0 || delnum >= slots.length || slots[delnum] == null) return null;
        Delivery d = slots[delnum];
        slots[delnum] = null;
        free.push(delnum);
        used--;
        return d;
    }
}
