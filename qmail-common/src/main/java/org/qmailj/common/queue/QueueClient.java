package org.qmailj.common.queue;

import java.io.IOException;
import java.io.OutputStream;

/**
 * How the suite's injectors (qmail-smtpd, qmail-qmqpd, qmail-inject, qmail-local forwards,
 * qmail-send bounces) put a message into the queue, as qmail.c's qmail_open / qmail_put /
 * qmail_from / qmail_to / qmail_close do: open a session, stream the message, give the
 * envelope, then close to learn the outcome. Implementations: a process running
 * bin/qmail-queue or $QMAILQUEUE (message on its fd 0, envelope on its fd 1, so it needs
 * posix_spawn with pipes, not ProcessBuilder), and the queue writer daemon's
 * socket client (qmail-queue module).
 */
public interface QueueClient {

    Session open() throws IOException;

    /** One message. Not thread-safe: one thread writes the message, then closes. */
    interface Session extends AutoCloseable {
        /** The message bytes, without the Received line qmail-queue adds itself. */
        OutputStream message();

        /**
         * qmail_qp before the commit: the pid of the queue program handling this message; 0
         * when no process of its own handles it (the queue writer daemon names the qp only in
         * its answer). Reporters use {@link QueueResult#qp()}, which every client fills.
         */
        default long qp() { return 0; }

        /**
         * Sends the envelope and waits for the queue's answer. Nothing is queued unless the
         * result is {@link QueueResult#ok()}.
         */
        QueueResult commit(Envelope envelope) throws IOException;

        /** Abandons the message if it was not committed; nothing is queued. */
        @Override
        void close();
    }
}
