package org.qmailj.pop3d;

import java.nio.charset.StandardCharsets;

/**
 * The replies of qmail-popup and qmail-pop3d, byte for byte as netqmail 1.06 sends them:
 * {@code +OK } (with its trailing space) and {@code -ERR text}. The only text qmail does not
 * have is {@link #LINE_TOO_LONG}: qmail reads lines of any length.
 */
enum Reply {
    OK("+OK "),
    // qmail-popup
    USAGE("-ERR usage: popup hostname subprogram"),
    PIPE("-ERR unable to open pipe"),
    WRITE_PIPE("-ERR unable to write pipe"),
    FORK("-ERR unable to fork"),
    CHILD_CRASHED("-ERR aack, child crashed"),
    BAD_AUTH("-ERR authorization failed"),
    WANT_USER("-ERR USER first"),
    AUTHORIZATION_FIRST("-ERR authorization first"),
    // both
    SYNTAX("-ERR syntax error"),
    LINE_TOO_LONG("-ERR line too long"),
    // qmail-pop3d
    NO_MAILDIR("-ERR this user has no $HOME/Maildir"),
    SCAN("-ERR unable to scan $HOME/Maildir"),
    UNIMPLEMENTED("-ERR unimplemented"),
    DELETED("-ERR already deleted"),
    NO_ZERO("-ERR messages are counted from 1"),
    TOO_BIG("-ERR not that many messages"),
    NO_SUCH("-ERR unable to open that message"),
    NO_UNLINK("-ERR unable to unlink all deleted messages");

    private final byte[] line;

    Reply(String text) {
        this.line = (text + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The reply with its CRLF. */
    byte[] line() {
        return line.clone();
    }
}
