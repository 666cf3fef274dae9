package org.qmailj.common.threads;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SessionThreadsTest {

    /** What the tasks saw: the thread each ran on, and its interrupt status at the start. */
    private static final class Seen {
        final BlockingQueue<Thread> ran = new ArrayBlockingQueue<>(10);
        final BlockingQueue<Boolean> interrupted = new ArrayBlockingQueue<>(10);

        /** Starts a task that reports its thread and interrupt status, then waits for {@code release}. */
        void start(SessionThreads threads, CountDownLatch release) {
            threads.start(() -> {
                interrupted.add(Thread.currentThread().isInterrupted());
                ran.add(Thread.currentThread());
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }

        Thread next() throws InterruptedException {
            return take(ran);
        }
    }

    private static Thread take(BlockingQueue<Thread> q) throws InterruptedException {
        Thread t = q.poll(30, TimeUnit.SECONDS);
        assertThat(t).as("a task ran").isNotNull();
        return t;
    }

    /** Waits until {@code n} platform threads wait for work (state, not time). */
    private static void awaitIdle(SessionThreads threads, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (threads.idleThreads() != n) {
            assertThat(System.nanoTime() - deadline).as("idle threads: " + threads.idleThreads()).isNegative();
            Thread.sleep(1);
        }
    }

    @Test
    void tasksRunOnPlatformThreadsUpToTheBoundThenOnVirtualThreads() throws Exception {
        SessionThreads threads = new SessionThreads("conn", 2);
        Seen seen = new Seen();
        CountDownLatch release = new CountDownLatch(1);

        for (int i = 0; i < 3; i++) seen.start(threads, release);
        Thread a = seen.next(), b = seen.next(), c = seen.next();

        long virtual = java.util.stream.Stream.of(a, b, c).filter(Thread::isVirtual).count();
        assertThat(virtual).as("the third concurrent task").isEqualTo(1);
        assertThat(threads.platformThreads()).isEqualTo(2);
        assertThat(java.util.stream.Stream.of(a, b, c).map(Thread::getName)).containsOnly("conn");
        release.countDown();
        awaitIdle(threads, 2);
        assertThat(threads.platformThreads()).isEqualTo(2);
    }

    @Test
    void aFinishedPlatformThreadRunsTheNextTaskWithItsInterruptCleared() throws Exception {
        SessionThreads threads = new SessionThreads("conn", 4);
        Seen seen = new Seen();

        threads.start(() -> {
            seen.ran.add(Thread.currentThread());
            Thread.currentThread().interrupt(); // left set by the task
        });
        Thread first = seen.next();
        awaitIdle(threads, 1);
        seen.start(threads, new CountDownLatch(0));
        Thread second = seen.next();

        assertThat(second).isSameAs(first);
        assertThat(second.isVirtual()).isFalse();
        assertThat(seen.interrupted.poll(30, TimeUnit.SECONDS)).isFalse();
        assertThat(threads.platformThreads()).isEqualTo(1);
    }

    @Test
    void aBoundOfZeroRunsEveryTaskOnAVirtualThread() throws Exception {
        SessionThreads threads = SessionThreads.forSockets("conn", 0); // its poller made first
        BlockingQueue<Thread> ran = new ArrayBlockingQueue<>(10);
        for (int i = 0; i < 3; i++) threads.start(() -> ran.add(Thread.currentThread()));

        for (int i = 0; i < 3; i++) assertThat(take(ran).isVirtual()).isTrue();
        assertThat(threads.platformThreads()).isZero();
    }

    @Test
    void aTaskThatThrowsEndsItsThreadAndTheBoundHasRoomForAnother() throws Exception {
        SessionThreads threads = new SessionThreads("conn", 1);
        BlockingQueue<Thread> ran = new ArrayBlockingQueue<>(10);
        threads.start(() -> {
            ran.add(Thread.currentThread());
            throw new IllegalStateException("task failed (expected by the test)");
        });
        Thread failed = take(ran);
        failed.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(failed.isAlive()).isFalse();
        assertThat(threads.platformThreads()).isZero();

        threads.start(() -> ran.add(Thread.currentThread()));
        Thread next = take(ran);
        assertThat(next.isVirtual()).isFalse();
        assertThat(next).isNotSameAs(failed);
    }

    @Test
    void theBoundComesFromItsPropertyOrTheFallback() {
        System.setProperty("qmail.test.sessionThreads", "7");
        try {
            assertThat(SessionThreads.bound("qmail.test.sessionThreads", 32)).isEqualTo(7);
            System.setProperty("qmail.test.sessionThreads", "-1");
            assertThat(SessionThreads.bound("qmail.test.sessionThreads", 32)).isEqualTo(32);
            System.setProperty("qmail.test.sessionThreads", "many");
            assertThat(SessionThreads.bound("qmail.test.sessionThreads", 32)).isEqualTo(32);
        } finally {
            System.clearProperty("qmail.test.sessionThreads");
        }
        assertThat(SessionThreads.bound("qmail.test.sessionThreads", 32)).isEqualTo(32);
    }
}
