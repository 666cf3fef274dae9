package org.qmailj.pop3d;

import java.io.IOException;

/** A client's command line longer than {@link CommandReader#MAX_LINE}. */
final class LineTooLongException extends IOException {
    private static final long serialVersionUID = 1L;

    LineTooLongException() {
        super("line too long");
    }
}
