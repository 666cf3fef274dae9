package org.qmailj.common.threads;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs each connection's session on a platform thread kept for reuse while at most
 * {@code platformMax} exist, and on a new virtual thread past that. Why platform threads
 * first: a virtual thread whose socket read must wait parks, and its data wakes the JDK's
 * poller thread, which hands it to a carrier thread that must be woken as well: two thread
 * switches and an epoll re-arm per wait, where a platform thread blocked in read(2) is woken
 * by the kernel directly. A one-message SMTP session waits some ten times. Why virtual threads
 * past that: a flood of connections then costs no stacks and no kernel threads beyond the
 * bound, as before.
 *
 * <p>The kept threads wait for work in LIFO order, so a light load runs on the same few
 * threads (their stacks stay warm; the others' stay untouched). A pooled thread starts each
 * task with its interrupt status cleared; no code of this project keeps per-session state in
 * thread-locals. A task that throws ends its thread as a virtual thread's would (the default
 * handler prints it), and the pool makes another when needed.
 *
 * <p>The JDK makes its virtual-thread I/O poller (epoll descriptors and threads) at the first
 * virtual thread's read that waits, and a poller that failed to be made (no descriptor free)
 * fails every such read after it, for the JVM's life. With platform threads first, that first
 * wait would come only with a flood, just when descriptors may have run out (a flood test
 * killed qmail-queued so: NoClassDefFoundError in every later connection); so
 * {@link #forSockets} has a virtual thread wait on a pipe once, at start. Threads that only
 * fsync (the queue writer's helpers, also in bin/qmail-queue's one-message direct path) need
 * no poller and skip that.
 */
public final class SessionThreads {
    private final String name;
    private final int platformMax;
    private final AtomicInteger platform = new AtomicInteger();
    private final ConcurrentLinkedDeque<Worker> idle = new ConcurrentLinkedDeque<>();

    /** {@code platformMax} 0: every task on a virtual thread of its own. */
    public SessionThreads(String name, int platformMax) {
        if (platformMax < 0) throw new IllegalArgumentException("platformMax " + platformMax);
        this.name = name;
        this.platformMax = platformMax;
    }

    /** For tasks that read sockets: the JDK's virtual-thread poller is made now, not in a flood. */
    public static SessionThreads forSockets(String name, int platformMax) {
        SessionThreads t = new SessionThreads(name, platformMax);
        readyPoller();
        return t;
    }

    private static boolean pollerReady;

    /**
     * Makes the JDK's virtual-thread poller, once per JVM; {@link #forSockets} fails if it
     * cannot. Not in a static initializer: the reader's lambda would wait for that
     * initializer to end, which waits for the reader.
     */
    private static synchronized void readyPoller() {
        if (pollerReady) return;
        Throwable[] failure = new Throwable[1];
        Pipe pipe = null;
        try {
            pipe = Pipe.open();
            Pipe.SourceChannel source = pipe.source();
            Thread reader = Thread.ofVirtual().name("poller warm-up").start(() -> {
                try {
                    source.read(ByteBuffer.allocate(1));
                } catch (Throwable t) {
                    failure[0] = t;
                }
            });
            // Parked in the read (waiting on the poller), or already ended.
            while (reader.getState() != Thread.State.WAITING && reader.isAlive()) Thread.sleep(1);
            pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
            reader.join();
        } catch (IOException e) {
            failure[0] = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (pipe != null) close(pipe);
        }
        if (failure[0] != null) throw new IllegalStateException("unable to start the virtual-thread poller: " + failure[0], failure[0]);
        pollerReady = true;
    }

    private static void close(Pipe pipe) {
        try {
            pipe.source().close();
            pipe.sink().close();
        } catch (IOException e) {
            // a pipe: nothing was lost
        }
    }

    /**
     * The bound from system property {@code property}, else {@code fallback}; a value that is
     * not a number, or negative, is the fallback.
     */
    public static int bound(String property, int fallback) {
        try {
            int n = Integer.parseInt(System.getProperty(property, ""));
            return n >= 0 ? n : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** Starts {@code task}; an Error (no memory, no thread) reaches the caller. */
    public void start(Runnable task) {
        Worker w = idle.pollFirst();
        if (w != null) {
            w.task = task;
            LockSupport.unpark(w.thread);
            return;
        }
        if (platform.incrementAndGet() <= platformMax) {
            try {
                new Worker(task);
                return;
            } catch (Throwable t) {
                platform.decrementAndGet();
                throw t;
            }
        }
        platform.decrementAndGet();
        Thread.ofVirtual().name(name).start(task);
    }

    /** Platform threads made so far and alive (for tests). */
    public int platformThreads() {
        return platform.get();
    }

    /** Platform threads waiting for a task (for tests). */
    public int idleThreads() {
        return idle.size();
    }

    private final class Worker implements Runnable {
        private volatile Runnable task;
        private final Thread thread;

        Worker(Runnable first) {
            this.task = first;
            this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this);
            thread.start();
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Thread.interrupted();
                    task.run();
                    task = null;
                    idle.addFirst(this);
                    while (task == null) LockSupport.park(this);
                }
            } finally {
                platform.decrementAndGet();
            }
        }
    }
}
