package org.qmailj.queue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;

/** A queue that keeps the last message and envelope, answering with a given exit code. */
final class CapturingClient implements QueueClient {
    final ByteArrayOutputStream message = new ByteArrayOutputStream();
    Envelope envelope;
    int exit;

    @Override
    public Session open() {
        message.reset();
        return new Session() {
            @Override public OutputStream message() { return message; }
            @Override public QueueResult commit(Envelope e) {
                envelope = e;
                return QueueResult.ofExit(exit);
            }
            @Override public void close() { }
        };
    }

    String text() { return TestHome.str(message.toByteArray()); }
}
