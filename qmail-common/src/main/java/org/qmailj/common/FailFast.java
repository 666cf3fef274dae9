package org.qmailj.common;

/**
 * A shared daemon that hits an unexpected error must not live on half-dead: a dead scheduler
 * thread in a JVM that still holds its locks is never restarted by supervise. Every daemon
 * calls {@link #install} first thing in main(); from then on an exception that escapes any of
 * its threads (platform or virtual) writes one line to stderr and halts the JVM with 111, and
 * the queue's crash-proof design does the rest.
 */
public final class FailFast {
    private FailFast() {}

    /** Installs the handler; {@code program} names the daemon in the one line it writes. */
    public static void install(String program) {
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> die(program, thread, e));
    }

    /** The same end for a caller that caught something it cannot recover from. */
    public static void die(String program, Thread thread, Throwable e) {
        try {
            System.err.println(program + ": fatal: unexpected " + e + " in thread "
                    + thread.getName() + "; exiting 111");
        } catch (Throwable ignored) {
            // Out of memory while printing: exit all the same.
        }
        Exit.now(Exit.SOFT);
    }
}
