package org.qmailj.smtpd;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;

/** An in-memory queue for the fuzz tests: keeps what each session committed, accepts all. */
final class RecordingQueue implements QueueClient {
    record Committed(byte[] message, Envelope envelope) {}

    final List<Committed> committed = new ArrayList<>();
    int opened;
    int closed;

    @Override
    public Session open() {
        opened++;
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        return new Session() {
            private boolean done;

            @Override
            public OutputStream message() {
                return message;
            }

            @Override
            public QueueResult commit(Envelope envelope) {
                if (done) throw new IllegalStateException("committed twice");
                done = true;
                committed.add(new Committed(message.toByteArray(), envelope));
                return QueueResult.queued(4242);
            }

            @Override
            public void close() {
                closed++;
            }
        };
    }
}
