package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LogGateTest {
    @Test
    void theFirstCallerLogsAndTheRestOfTheIntervalIsQuiet() {
        LogGate g = new LogGate(TimeUnit.HOURS.toNanos(1));
        assertThat(g.open()).isTrue();
        assertThat(g.open()).isFalse();
        assertThat(g.open()).isFalse();
    }

    @Test
    void ofManyThreadsAtOnceExactlyOneLogs() throws Exception {
        LogGate g = new LogGate(TimeUnit.HOURS.toNanos(1));
        AtomicInteger opened = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int k = 0; k < 1000; k++) if (g.open()) opened.incrementAndGet();
            }));
        }
        go.countDown();
        for (Thread t : threads) t.join();
        assertThat(opened).hasValue(1);
    }
}
