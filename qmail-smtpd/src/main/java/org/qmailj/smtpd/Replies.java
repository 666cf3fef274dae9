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

    public static SmtpReply greeting(String greeting) {
        return new SmtpReply.Positive("220 " + greeting + " ESMTP");
    }

    public static SmtpReply helo(String greeting) {
        return new SmtpReply.Positive("250 " + greeting);
    }

    public static SmtpReply ehlo(String greeting) {
        return new SmtpReply.Positive("250-" + greeting + "\r\n250-PIPELINING\r\n250 8BITMIME");
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
