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
 * which the first of the waiters runs for all of them. Never more than one fsync of the
 * directory at a time, never a timer.
 */
final class DirSync {
    private final SyncRound.Sync fsync;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ended = lock.newCondition();
    /** fsyncs started so far; the one running, if any, is number {@code started}. */
    private long started;
    private long finished;
    private boolean running;
    private long lastSucceeded;
    private IOException lastFailure;
    private int waiting;

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
                    waiting++;
                    ended.awaitUninterruptibly();
                    waiting--;
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
            return waiting;
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
            ended.signalAll();
        }
        if (failure instanceof Error e) throw e; // out of memory: the caller's handling, not a disk error
    }
}
