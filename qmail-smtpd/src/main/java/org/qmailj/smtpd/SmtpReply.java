package org.qmailj.smtpd;

import java.nio.charset.StandardCharsets;

/**
 * One SMTP reply as qmail-smtpd sends it: the whole text (one or more lines, each starting
 * with the code) without the final CR LF. Positive, temporary (4xx) and permanent (5xx)
 * replies are distinct types, so a caller decides by type, never by a code range.
 */
public sealed interface SmtpReply permits SmtpReply.Positive, SmtpReply.Temp, SmtpReply.Perm {

    /** The reply lines, CR LF between them, no CR LF at the end. */
    String text();

    default int code() {
        return Integer.parseInt(text().substring(0, 3));
    }

    /** The bytes on the wire, including the final CR LF. */
    default byte[] wire() {
        return (text() + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** 2xx and 3xx. */
    record Positive(String text) implements SmtpReply { }

    /** 4xx: try again later. */
    record Temp(String text) implements SmtpReply { }

    /** 5xx: do not try again. */
    record Perm(String text) implements SmtpReply { }
}
