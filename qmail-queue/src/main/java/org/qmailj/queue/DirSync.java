package org.qmailj.queue;

import java.io.IOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit of one directory's fsync: a directory fsync makes every entry linked into it
 * before the fsync started durable, so when many connections commit at once, one fsync of
 * {@code todo/} (or {@code intd/}, or {@code mess/S}) answers all of those whose link came
 * before it started. A caller that finds no fsync running runs one at once, on its own thread
 * (a lone client waits for nothing more than its own fsync); one that finds an fsync running
 * waits for it to end (it may have started before the caller's link) and then for the next,
 * which one of the waiters runs for all of them. Never more than one fsync of the
 * directory at a time, never a timer.
 */
final class DirSync {
    private final SyncRound.Sync fsync;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Callers wait for fsync number k on {@code ended[k & 1]}: when fsync k ends, only its own
     * callers wake (and one caller of k + 1, to run it), not every waiter. Every waiter needs
     * the running fsync or the next one, so two conditions tell them apart. With one condition
     * a caller that came during fsync k was woken at its end, went back to sleep and was woken
     * again at the end of k + 1: at 10 SMTP sessions, one wake-up (two futex calls, two
     * context switches) per message more in qmail-queued.
     */
    private final Condition[] ended = {lock.newCondition(), lock.newCondition()};
    private final int[] waitingFor = new int[2];
    /** fsyncs started so far; the one running, if any, is number {@code started}. */
    private long started;
    private long finished;
    private boolean running;
    private long lastSucceeded;
    private IOException lastFailure;

    DirSync(SyncRound.Sync fsync) {
        this.fsync = fsync;
    }

    /**
     * Returns once an fsync that started after this call began has succeeded; throws if the
     * first such fsync failed and none after it has succeeded yet.
     */
    void sync() throws IOException {
        lock.lock();
        try {
            long needed = started + 1;
            while (finished < needed) {
                if (running) {
                    int g = (int) (needed & 1);
                    waitingFor[g]++;
                    ended[g].awaitUninterruptibly();
                    waitingFor[g]--;
                } else {
                    lead();
                }
            }
            if (lastSucceeded >= needed) return;
            throw new IOException(lastFailure.getMessage(), lastFailure);
        } finally {
            lock.unlock();
        }
    }

    /** Callers waiting for an fsync to end (for tests). */
    int waiting() {
        lock.lock();
        try {
            return waitingFor[0] + waitingFor[1];
        } finally {
            lock.unlock();
        }
    }

    /** Runs fsync number {@code started + 1} for every caller waiting; called with the lock held. */
    private void lead() {
        running = true;
        long number = ++started;
        lock.unlock();
        Throwable failure = null;
        try {
            fsync.run();
        } catch (Throwable t) {
            failure = t;
        } finally {
            lock.lock();
            running = false;
            finished = number;
            if (failure == null) {
                lastSucceeded = number;
            } else {
                lastFailure = failure instanceof IOException e ? e : new IOException("fsync failed: " + failure, failure);
            }
            ended[(int) (number & 1)].signalAll();
            // One of those who came during this fsync runs the next (a new caller may beat it to it).
            int next = (int) ((number + 1) & 1);
            if (waitingFor[next] > 0) ended[next].signal();
        }
        if (failure instanceof Error e) throw e; // out of memory: the caller's handling, not a disk error
    }
}
