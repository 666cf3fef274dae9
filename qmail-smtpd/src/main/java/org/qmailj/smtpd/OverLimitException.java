package org.qmailj.smtpd;

import java.io.IOException;

/**
 * A client sent a command line longer than a session keeps in memory. qmail has no such
 * limit of its own and runs out of memory under softlimit instead; the answer is the same:
 * 421 out of memory, and the connection ends.
 */
final class OverLimitException extends IOException {
    OverLimitException(String what) {
        super(what);
    }
}
