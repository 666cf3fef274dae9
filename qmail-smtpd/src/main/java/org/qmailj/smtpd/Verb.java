package org.qmailj.smtpd;

import java.io.IOException;

/**
 * qmail-smtpd's command table: the verb (matched without regard to case against the text
 * before the first space of the line), its handler, and whether the replies are flushed
 * right after it. Verbs that a PIPELINING client sends in a batch (MAIL, RCPT, RSET) do not
 * flush; their replies go out when the session next has to wait for input. {@link #UNKNOWN}
 * is the sentinel row for every other verb.
 */
enum Verb {
    RCPT("rcpt", SmtpdSession::rcpt, false),
    MAIL("mail", SmtpdSession::mail, false),
    DATA("data", SmtpdSession::data, true),
    QUIT("quit", SmtpdSession::quit, true),
    HELO("helo", SmtpdSession::helo, true),
    EHLO("ehlo", SmtpdSession::ehlo, true),
    RSET("rset", SmtpdSession::rset, false),
    STARTTLS("starttls", SmtpdSession::starttls, true),
    AUTH("auth", SmtpdSession::auth, true),
    HELP("help", (s, arg) -> Replies.HELP, true),
    NOOP("noop", (s, arg) -> Replies.ERR_NOOP, true),
    VRFY("vrfy", (s, arg) -> Replies.ERR_VRFY, true),
    UNKNOWN(null, (s, arg) -> Replies.ERR_UNIMPL, true);

    interface Handler {
        SmtpReply handle(SmtpdSession session, String arg) throws IOException;
    }

    private final String text;
    final Handler handler;
    final boolean flush;

    Verb(String text, Handler handler, boolean flush) {
        this.text = text;
        this.handler = handler;
        this.flush = flush;
    }

    private static final Verb[] TABLE = values();

    /** The row for {@code word}, compared as qmail's case_equals does (ASCII case only). */
    static Verb of(String word) {
        for (Verb v : TABLE) {
            if (v.text != null && v.text.length() == word.length() && equalsAsciiIgnoreCase(v.text, word)) return v;
        }
        return UNKNOWN;
    }

    private static boolean equalsAsciiIgnoreCase(String lower, String word) {
        for (int i = 0; i < lower.length(); i++) {
            char c = word.charAt(i);
            if (c >= 'A' && c <= 'Z') c = (char) (c + 32);
            if (c != lower.charAt(i)) return false;
        }
        return true;
    }
}
