package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exception while preprocessing is not swallowed: it ends the todo thread through the
 * default uncaught-exception handler, which in the daemon is FailFast's (exit 111). Here the
 * test's own handler records it; the message stays in todo/ for the next start.
 */
class TodoFaultTest {
    @TempDir Path home;

    @Test
    void aBugInPreprocessingReachesTheUncaughtExceptionHandler() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        long n = tq.inject("todo-fault@x", "me@domain", "me");
        AtomicReference<String> seen = new AtomicReference<>();
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> seen.compareAndSet(null, t.getName() + ": " + e.getMessage()));
        try {
            Todo todo = new Todo(tq.q, new SendLog(new ByteArrayOutputStream()),
                    new CleanClient(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream()), () -> {
                        throw new IllegalStateException("rewriter broke");
                    }, new LinkedBlockingQueue<>());
            todo.start();
            long end = System.nanoTime() + 30_000_000_000L;
            while (seen.get() == null && System.nanoTime() < end) Thread.sleep(10);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
        assertThat(seen.get()).isEqualTo("todo: rewriter broke");
        assertThat(tq.q.todo(n)).exists();
        assertThat(Files.exists(tq.q.info(n))).isFalse(); // the rewriter comes before info/N is written
    }
}
