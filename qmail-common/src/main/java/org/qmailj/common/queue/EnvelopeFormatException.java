package org.qmailj.common.queue;

import java.io.IOException;

/** An envelope that breaks its format; {@link #exit()} is what qmail-queue exits with. */
public final class EnvelopeFormatException extends IOException {
    private final QueueExit exit;

    public EnvelopeFormatException(QueueExit exit, String message) {
        super(message);
        this.exit = exit;
    }

    public QueueExit exit() { return exit; }
}
