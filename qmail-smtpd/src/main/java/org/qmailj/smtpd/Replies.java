package org.qmailj.smtpd;

import org.qmailj.common.queue.QueueResult;

/**
 * Every reply qmail-smtpd (netqmail 1.06) gives, with qmail's exact text and enhanced
 * status code, named after the C function that sends it.
 */
public final class Replies {
    private Replies() { }

    public static final SmtpReply DIE_ALARM = new SmtpReply.Temp("451 timeout (#4.4.2)");
    public static final SmtpReply DIE_NOMEM = new SmtpReply.Temp("421 out of memory (#4.3.0)");
    public static final SmtpReply DIE_CONTROL = new SmtpReply.Temp("421 unable to read controls (#4.3.0)");
    public static final SmtpReply DIE_IPME =
            new SmtpReply.Temp("421 unable to figure out my IP addresses (#4.3.0)");
    public static final SmtpReply STRAYNEWLINE =
            new SmtpReply.Temp("451 See http://pobox.com/~djb/docs/smtplf.html.");

    public static final SmtpReply ERR_BMF =
            new SmtpReply.Perm("553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)");
    public static final SmtpReply ERR_NOGATEWAY =
            new SmtpReply.Perm("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)");
    public static final SmtpReply ERR_UNIMPL = new SmtpReply.Perm("502 unimplemented (#5.5.1)");
    public static final SmtpReply ERR_SYNTAX = new SmtpReply.Perm("555 syntax error (#5.5.4)");
    public static final SmtpReply ERR_WANTMAIL = new SmtpReply.Perm("503 MAIL first (#5.5.1)");
    public static final SmtpReply ERR_WANTRCPT = new SmtpReply.Perm("503 RCPT first (#5.5.1)");
    public static final SmtpReply ERR_NOOP = new SmtpReply.Positive("250 ok");
    public static final SmtpReply ERR_VRFY = new SmtpReply.Positive("252 send some mail, i'll try my best");
    public static final SmtpReply ERR_QQT = new SmtpReply.Temp("451 qqt failure (#4.3.0)");
    public static final SmtpReply HELP = new SmtpReply.Positive("214 netqmail home page: http://qmail.org/netqmail");
    public static final SmtpReply OK = new SmtpReply.Positive("250 ok");
    public static final SmtpReply FLUSHED = new SmtpReply.Positive("250 flushed");
    public static final SmtpReply GO_AHEAD = new SmtpReply.Positive("354 go ahead");
    public static final SmtpReply TOO_MANY_HOPS =
            new SmtpReply.Perm("554 too many hops, this message is looping (#5.4.6)");
    /** Not qmail's: RFC 5321 4.5.3.1.10's reply for a full recipient buffer (maxrcpt). */
    public static final SmtpReply ERR_TOOMANYRCPT = new SmtpReply.Temp("452 sorry, too many recipients (#4.5.3)");
    /** Not qmail's: the recipients' addresses passed maxrcptbytes. */
    public static final SmtpReply ERR_RCPTBYTES =
            new SmtpReply.Perm("552 sorry, the recipient list is too long (#5.5.3)");
    public static final SmtpReply DATABYTES =
            new SmtpReply.Perm("552 sorry, that message size exceeds my databytes limit (#5.3.4)");

    // STARTTLS: the netqmail TLS patch's texts.
    public static final SmtpReply TLS_GO_AHEAD = new SmtpReply.Positive("220 ready for tls");
    public static final SmtpReply TLS_UNAVAILABLE = new SmtpReply.Temp("454 TLS not available (#4.3.0)");
    public static final SmtpReply TLS_SYNTAX = new SmtpReply.Perm("501 Syntax error (no parameters allowed) (#5.5.4)");

    // AUTH: the common qmail auth patch's texts.
    public static final SmtpReply AUTH_OK = new SmtpReply.Positive("235 ok, go ahead (#2.0.0)");
    public static final SmtpReply AUTH_FAILED = new SmtpReply.Perm("535 authentication failed (#5.7.1)");
    public static final SmtpReply AUTH_UNAVAILABLE = new SmtpReply.Perm("503 auth not available (#5.3.3)");
    public static final SmtpReply AUTH_TYPE = new SmtpReply.Perm("504 auth type unimplemented (#5.5.1)");
    public static final SmtpReply AUTH_CANCELLED = new SmtpReply.Perm("501 auth exchange cancelled (#5.0.0)");
    public static final SmtpReply AUTH_MALFORMED = new SmtpReply.Perm("501 malformed auth input (#5.5.4)");
    public static final SmtpReply AUTH_ALREADY = new SmtpReply.Perm("503 you're already authenticated (#5.5.0)");
    public static final SmtpReply AUTH_IN_MAIL = new SmtpReply.Perm("503 no auth during mail transaction (#5.5.0)");
    /** Submission (RFC 6409): MAIL before AUTH. */
    public static final SmtpReply AUTH_REQUIRED = new SmtpReply.Perm("530 authentication required (#5.7.1)");
    /** Not the patch's: the connection ends after SmtpAuth.MAX_FAILURES failures. */
    public static final SmtpReply AUTH_TOO_MANY = new SmtpReply.Temp("421 too many authentication failures (#4.7.0)");

    public static SmtpReply greeting(String greeting) {
        return new SmtpReply.Positive("220 " + greeting + " ESMTP");
    }

    public static SmtpReply helo(String greeting) {
        return new SmtpReply.Positive("250 " + greeting);
    }

    /** EHLO's reply: the greeting, then one line per ESMTP keyword. */
    public static SmtpReply ehlo(String greeting, java.util.List<String> keywords) {
        StringBuilder s = new StringBuilder("250");
        s.append(keywords.isEmpty() ? ' ' : '-').append(greeting);
        for (int i = 0; i < keywords.size(); i++) {
            s.append("\r\n250").append(i == keywords.size() - 1 ? ' ' : '-').append(keywords.get(i));
        }
        return new SmtpReply.Positive(s.toString());
    }

    public static SmtpReply quit(String greeting) {
        return new SmtpReply.Positive("221 " + greeting);
    }

    /** acceptmessage(): the time the message was accepted and the queue program's pid. */
    public static SmtpReply accepted(long when, long qp) {
        return new SmtpReply.Positive("250 ok " + when + " qp " + qp);
    }

    /** The queue's refusal: 554 for a D report, 451 for a Z report, then its text. */
    public static SmtpReply queueRefused(QueueResult r) {
        return r.permanent() ? new SmtpReply.Perm("554 " + r.text()) : new SmtpReply.Temp("451 " + r.text());
    }
}
