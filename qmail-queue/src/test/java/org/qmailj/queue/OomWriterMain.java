package org.qmailj.queue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.QueueLayout;

/**
 * The queue writer (as qmail-queued runs it) whose heap "runs out" on demand, for
 * OutOfMemoryInWriterTest: once the file QMAIL_HOME/oom exists, the second reading of the
 * clock (the Received line of the next message, after mess/S/N was made) throws
 * OutOfMemoryError in that connection's thread.
 */
public final class OomWriterMain {
    private OomWriterMain() {}

    public static void main(String[] args) throws Exception {
        QmailHome home = QmailHome.current();
        QmailIds ids = QmailIds.read(home);
        Path trigger = home.root().resolve("oom");
        AtomicInteger calls = new AtomicInteger();
        Clock clock = new Clock() {
            @Override public ZoneId getZone() { return ZoneOffset.UTC; }

            @Override public Clock withZone(ZoneId zone) { return this; }

            @Override
            public Instant instant() {
                if (Files.exists(trigger) && calls.incrementAndGet() == 2) throw new OutOfMemoryError("Java heap space (test)");
                return Instant.now();
            }
        };
        WriterServer s = WriterServer.bind(new QueueWriter(new QueueLayout(home.queue()), ReceivedLine.of(ids), clock), ids,
                WriterSettings.forOpenFiles(1024));
        s.start().join();
    }
}
