package org.qmailj.smtpd;

import java.io.IOException;

/**
 * A client sent more than a session keeps in memory (a command line, the recipients of one
 * message). qmail has no such limits of its own and runs out of memory under softlimit
 * instead; the answer is the same: 421 out of memory, and the connection ends.
 */
final class OverLimitException extends IOException {
    OverLimitException(String what) {
        super(what);
    }
}
