package org.qmailj.queue;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import org.qmailj.common.threads.SessionThreads;

/**
 * fsyncs issued at the same time, each on a thread of its own, and waited for together: one
 * round trip to the disk instead of one per call. On ext4 (and other journalling file
 * systems) fsyncs that arrive together join one journal commit and one cache flush; in
 * sequence each pays its own. The caller's thread runs the first; the others run on helper
 * platform threads kept for reuse ({@link SessionThreads}, virtual threads past 32 at once):
 * a virtual thread that blocks in fsync first has the JDK wake a spare carrier to stand in for
 * it, a helper is one wake-up there and one back (qmail-queued's context switches per message
 * at 1 session: see the commit that made it so).
 */
final class SyncRound {
    private static final SessionThreads HELPERS = new SessionThreads("qmail-queue fsync", 32);

    /** One fsync (of a file or a directory). */
    interface Sync {
        void run() throws IOException;
    }

    private SyncRound() {
    }

    /**
     * Runs every sync at once and returns when all have ended. Throws the first failure (in
     * argument order) after all have ended, so that nothing is still running on files the
     * caller then removes.
     */
    static void all(Sync... syncs) throws IOException {
        Throwable[] failures = new Throwable[syncs.length];
        CountDownLatch ended = new CountDownLatch(syncs.length - 1);
        int started = 0;
        try {
            for (int i = 1; i < syncs.length; i++) {
                int k = i;
                HELPERS.start(() -> {
                    try {
                        syncs[k].run();
                    } catch (Throwable t) {
                        failures[k] = t;
                    } finally {
                        ended.countDown();
                    }
                });
                started++;
            }
            try {
                syncs[0].run();
            } catch (Throwable t) {
                failures[0] = t;
            }
        } finally {
            // A helper that could not be started (no memory for a thread) has nothing to wait for.
            for (int i = started; i < syncs.length - 1; i++) ended.countDown();
            awaitUninterruptibly(ended);
        }
        for (Throwable t : failures) {
            if (t == null) continue;
            if (t instanceof IOException e) throw e;
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
            throw new IOException(t);
        }
    }

    /** Waits for every started helper; an interrupt is kept for the caller, the files come first. */
    private static void awaitUninterruptibly(CountDownLatch ended) {
        boolean interrupted = false;
        while (true) {
            try {
                ended.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
