package org.qmailj.common.spawn;

/**
 * Which delivery numbers are in use in a spawner (spawn.c's {@code d[delnum].used}): a
 * command for a number still delivering is refused with
 * {@link SpawnCheck#DELNUM_IN_USE}. Thread-safe.
 */
public final class DeliverySlots {
    private final boolean[] used = new boolean[65536];

    /** Marks {@code delnum} in use; false if it already was. */
    public synchronized boolean take(int delnum) {
        if (used[delnum]) return false;
        used[delnum] = true;
        return true;
    }

    public synchronized void release(int delnum) {
        used[delnum] = false;
    }

    public synchronized boolean inUse(int delnum) {
        return used[delnum];
    }
}
