package org.qmailj.queue;

import org.qmailj.common.queue.QueueExit;

/** A queue write that did not happen; {@link #exit()} is the qmail-queue exit code it means. */
public final class QueueFailure extends Exception {
    private final QueueExit exit;

    public QueueFailure(QueueExit exit, String message, Throwable cause) {
        super(message, cause);
        this.exit = exit;
    }

    public QueueFailure(QueueExit exit, String message) {
        this(exit, message, null);
    }

    public QueueExit exit() { return exit; }
}
