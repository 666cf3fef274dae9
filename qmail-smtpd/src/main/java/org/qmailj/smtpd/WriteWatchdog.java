package org.qmailj.smtpd;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Ends writes that block too long (a client that stops reading) and reads that wait too long
 * (a client that sends nothing), for every {@link SocketWire} of the process: one platform
 * daemon thread looks at each watched wire's deadlines a few times a second, closes the
 * wires whose write deadline has passed, so their write fails, and shuts the input of those
 * whose read deadline has passed down, so the read fails as timed out.
 *
 * <p>A wire is watched from its creation to its close; a write only stores its deadline in a
 * field of the wire. So the cost is one set entry per connection whatever the number of
 * replies (the scheduled task per write this replaces piled up: cancelled tasks stay in a
 * ScheduledThreadPoolExecutor's queue until their time comes, 2.5 million after 60 s of
 * pipelined NOOPs). The deadline is honoured to within {@link #TICK_MILLIS}.
 */
final class WriteWatchdog {
    static final long TICK_MILLIS = 200;

    private static final Set<SocketWire> WATCHED = ConcurrentHashMap.newKeySet();

    static {
        Thread.ofPlatform().daemon().name("wire-watchdog").start(WriteWatchdog::run);
    }

    private WriteWatchdog() { }

    static void watch(SocketWire wire) {
        WATCHED.add(wire);
    }

    static void unwatch(SocketWire wire) {
        WATCHED.remove(wire);
    }

    /** How many wires are watched: the tests check that closed wires leave. */
    static int watched() {
        return WATCHED.size();
    }

    private static void run() {
        while (true) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS));
            long now = System.nanoTime();
            for (SocketWire w : WATCHED) {
                if (w.writeExpired(now)) {
                    w.close();
                } else if (w.readExpired(now)) {
                    w.expireRead();
                }
            }
        }
    }
}
