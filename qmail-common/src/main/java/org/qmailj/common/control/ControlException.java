package org.qmailj.common.control;

import java.io.IOException;

/**
 * A control file exists but cannot be used: unreadable, or a malformed value.
 * The message names the file and, where it applies, the line, so an administrator can fix it;
 * qmail programs treat this as "unable to read controls" and never fall back to a default.
 */
public final class ControlException extends IOException {
    public ControlException(String message) {
        super(message);
    }

    public ControlException(String message, Throwable cause) {
        super(message, cause);
    }
}
