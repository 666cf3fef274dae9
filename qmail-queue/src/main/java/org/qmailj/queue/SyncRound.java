package org.qmailj.queue;

import java.io.IOException;

/**
 * fsyncs issued at the same time, each on a thread of its own, and waited for together: one
 * round trip to the disk instead of one per call. On ext4 (and other journalling file
 * systems) fsyncs that arrive together join one journal commit and one cache flush; in
 * sequence each pays its own. The caller's thread runs the first; the others run on virtual
 * threads (the JDK gives a blocked carrier a substitute while the kernel holds it).
 */
final class SyncRound {
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
        Thread[] helpers = new Thread[syncs.length];
        try {
            for (int i = 1; i < syncs.length; i++) {
                int k = i;
                helpers[i] = Thread.ofVirtual().name("qmail-queue fsync").start(() -> {
                    try {
                        syncs[k].run();
                    } catch (Throwable t) {
                        failures[k] = t;
                    }
                });
            }
            try {
                syncs[0].run();
            } catch (Throwable t) {
                failures[0] = t;
            }
        } finally {
            joinUninterruptibly(helpers);
        }
        for (Throwable t : failures) {
            if (t == null) continue;
            if (t instanceof IOException e) throw e;
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
            throw new IOException(t);
        }
    }

    /** Joins every started thread; an interrupt is kept for the caller, the files come first. */
    private static void joinUninterruptibly(Thread[] threads) {
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t != null) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
