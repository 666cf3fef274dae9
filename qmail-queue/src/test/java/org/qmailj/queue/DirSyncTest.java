package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The group commit of a directory fsync: a lone caller runs its fsync at once on its own
 * thread; callers that arrive while an fsync runs are not answered by it (it may have started
 * before their link) but share the next one; a failed fsync fails exactly its callers.
 */
class DirSyncTest {
    /** A fake fsync: call k (from 0) blocks until {@code release(k)}, and fails if told to. */
    static final class Gate implements SyncRound.Sync {
        final List<CountDownLatch> entered = new ArrayList<>();
        final List<CountDownLatch> released = new ArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        volatile int failing = -1;

        Gate(int calls) {
            for (int i = 0; i < calls; i++) {
                entered.add(new CountDownLatch(1));
                released.add(new CountDownLatch(1));
            }
        }

        @Override
        public void run() throws IOException {
            int k = threads.size();
            threads.add(Thread.currentThread());
            entered.get(k).countDown();
            try {
                if (!released.get(k).await(60, TimeUnit.SECONDS)) throw new AssertionError("fsync " + k + " never released");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            if (k == failing) throw new IOException("Input/output error");
        }

        void release(int k) { released.get(k).countDown(); }

        void awaitEntered(int k) throws InterruptedException {
            assertThat(entered.get(k).await(60, TimeUnit.SECONDS)).as("fsync %d started", k).isTrue();
        }
    }

    static CompletableFuture<Void> syncAsync(DirSync d) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                d.sync();
                f.complete(null);
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    static void awaitWaiting(DirSync d, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (d.waiting() < n) {
            assertThat(System.nanoTime()).as("%d callers waiting", n).isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    @Test
    void aLoneCallerRunsItsFsyncAtOnceOnItsOwnThread() throws Exception {
        Gate g = new Gate(2);
        g.release(0);
        g.release(1);
        DirSync d = new DirSync(g);
        d.sync();
        assertThat(g.threads).containsExactly(Thread.currentThread());
        d.sync();
        assertThat(g.threads).hasSize(2);
    }

    @Test
    void callersDuringAnFsyncWaitForTheNextOneAndShareIt() throws Exception {
        Gate g = new Gate(2);
        DirSync d = new DirSync(g);
        CompletableFuture<Void> first = syncAsync(d);
        g.awaitEntered(0);
        List<CompletableFuture<Void>> later = new ArrayList<>();
        for (int i = 0; i < 5; i++) later.add(syncAsync(d));
        awaitWaiting(d, 5);
        g.release(0);
        first.get(60, TimeUnit.SECONDS);
        // The first fsync may have started before their links: it answers none of them.
        g.awaitEntered(1);
        for (CompletableFuture<Void> f : later) assertThat(f).isNotDone();
        g.release(1);
        for (CompletableFuture<Void> f : later) f.get(60, TimeUnit.SECONDS);
        assertThat(g.threads).as("one fsync for the five").hasSize(2);
    }

    @Test
    void aFailedFsyncFailsItsCallersAndTheNextOneMaySucceed() throws Exception {
        Gate g = new Gate(3);
        g.failing = 1;
        DirSync d = new DirSync(g);
        CompletableFuture<Void> first = syncAsync(d);
        g.awaitEntered(0);
        List<CompletableFuture<Void>> later = new ArrayList<>();
        for (int i = 0; i < 3; i++) later.add(syncAsync(d));
        awaitWaiting(d, 3);
        g.release(0);
        first.get(60, TimeUnit.SECONDS);
        g.awaitEntered(1);
        g.release(1);
        for (CompletableFuture<Void> f : later) {
            assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IOException.class).hasMessageContaining("Input/output error");
        }
        g.release(2);
        d.sync();
        assertThat(g.threads).hasSize(3);
    }

    @Test
    void underManyConcurrentCallersEachReturnsOnlyAfterAnFsyncThatStartedAfterItsCall() throws Exception {
        // One clock orders every event; an fsync is [start, end] on it, a call [called, returned].
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();
        List<long[]> fsyncs = new CopyOnWriteArrayList<>();
        DirSync d = new DirSync(() -> {
            long start = clock.incrementAndGet();
            Thread.yield();
            fsyncs.add(new long[] {start, clock.incrementAndGet()});
        });
        List<long[]> calls = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> callers = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            callers.add(f);
            Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 300; i++) {
                        long called = clock.incrementAndGet();
                        d.sync();
                        calls.add(new long[] {called, clock.incrementAndGet()});
                    }
                    f.complete(null);
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
        }
        // A lost wake-up would leave a caller waiting for good.
        for (CompletableFuture<Void> f : callers) f.get(120, TimeUnit.SECONDS);

        assertThat(calls).hasSize(16 * 300);
        for (long[] c : calls) {
            assertThat(fsyncs.stream().anyMatch(s -> s[0] > c[0] && s[1] < c[1]))
                    .as("an fsync started after the call at %d and ended before its return at %d", c[0], c[1]).isTrue();
        }
        // Never two at once: the fsyncs' intervals do not overlap.
        List<long[]> sorted = new ArrayList<>(fsyncs);
        sorted.sort(java.util.Comparator.comparingLong(s -> s[0]));
        for (int i = 1; i < sorted.size(); i++) assertThat(sorted.get(i)[0]).isGreaterThan(sorted.get(i - 1)[1]);
        assertThat(sorted.size()).as("fsyncs shared by callers").isLessThan(calls.size());
        assertThat(d.waiting()).isZero();
    }
}
