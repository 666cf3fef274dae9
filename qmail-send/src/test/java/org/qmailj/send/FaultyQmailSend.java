package org.qmailj.send;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * qmail-send with a fault injected into its scheduler thread, for {@link SchedulerFaultTest}:
 * the real main ({@link QmailSend#serve}) with an event queue whose poll throws once the file
 * named by {@code -Dqmail.test.schedulerFault} exists (the file is removed first, so the next
 * start runs normally). Only on the test classpath: production cannot trigger it.
 */
public final class FaultyQmailSend {
    private FaultyQmailSend() {}

    public static void main(String[] args) {
        Path marker = Path.of(System.getProperty("qmail.test.schedulerFault"));
        QmailSend.serve(new LinkedBlockingQueue<>() {
            @Override
            public Event poll(long timeout, TimeUnit unit) throws InterruptedException {
                try {
                    if (Files.deleteIfExists(marker)) throw new IllegalStateException("injected scheduler fault");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return super.poll(Math.min(unit.toMillis(timeout), 200), TimeUnit.MILLISECONDS);
            }
        });
    }
}
