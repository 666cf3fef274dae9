package org.qmailj.smtpd;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.qmailj.common.metrics.Exposition;

/**
 * qmail-smtpd's counters for tcpserver's /metrics (control/statusaddr-smtpd): one set per JVM,
 * since a tcpserver runs one program. Sessions increment {@link LongAdder}s where the event
 * happens (a CAS on the session's own thread, no lock shared between sessions); a scrape sums
 * them. The standalone qmail-smtpd counts too and never shows it.
 */
public final class SmtpdMetrics {
    /** A refusal's reason: the reply that said it (qmail's texts, one label each). */
    public enum Reject {
        RCPTHOSTS(Replies.ERR_NOGATEWAY, "rcpthosts"),
        BADMAILFROM(Replies.ERR_BMF, "badmailfrom"),
        DATABYTES(Replies.DATABYTES, "databytes"),
        HOPS(Replies.TOO_MANY_HOPS, "hops"),
        TOO_MANY_RCPT(Replies.ERR_TOOMANYRCPT, "too_many_recipients"),
        RCPT_BYTES(Replies.ERR_RCPTBYTES, "recipient_bytes"),
        MAIL_FIRST(Replies.ERR_WANTMAIL, "mail_first"),
        RCPT_FIRST(Replies.ERR_WANTRCPT, "rcpt_first"),
        SYNTAX(Replies.ERR_SYNTAX, "syntax"),
        UNIMPLEMENTED(Replies.ERR_UNIMPL, "unimplemented"),
        QQT(Replies.ERR_QQT, "qqt_failure"),
        TIMEOUT(Replies.DIE_ALARM, "timeout"),
        BARE_LF(Replies.STRAYNEWLINE, "bare_lf"),
        OUT_OF_MEMORY(Replies.DIE_NOMEM, "out_of_memory"),
        CONTROLS(Replies.DIE_CONTROL, "controls"),
        IPME(Replies.DIE_IPME, "ipme"),
        NO_MAILBOX(RecipientCheck.NO_MAILBOX, "no_mailbox"),
        TLS_UNAVAILABLE(Replies.TLS_UNAVAILABLE, "tls_unavailable"),
        TLS_SYNTAX(Replies.TLS_SYNTAX, "syntax"),
        AUTH_FAILED(Replies.AUTH_FAILED, "auth_failed"),
        AUTH_TOO_MANY(Replies.AUTH_TOO_MANY, "auth_too_many"),
        AUTH_REQUIRED(Replies.AUTH_REQUIRED, "auth_required"),
        AUTH_UNAVAILABLE(Replies.AUTH_UNAVAILABLE, "auth_unavailable"),
        AUTH_TYPE(Replies.AUTH_TYPE, "auth_type"),
        AUTH_CANCELLED(Replies.AUTH_CANCELLED, "auth_cancelled"),
        AUTH_MALFORMED(Replies.AUTH_MALFORMED, "auth_malformed"),
        AUTH_ALREADY(Replies.AUTH_ALREADY, "auth_already"),
        AUTH_IN_MAIL(Replies.AUTH_IN_MAIL, "auth_in_mail"),
        QUEUE_TEMP(null, "queue_temporary"),
        QUEUE_PERM(null, "queue_permanent");

        final SmtpReply reply;
        final String word;
        private final LongAdder count = new LongAdder();

        Reject(SmtpReply reply, String word) {
            this.reply = reply;
            this.word = word;
        }

        int code() {
            return reply != null ? reply.code() : this == QUEUE_TEMP ? 451 : 554;
        }
    }

    private static final Map<SmtpReply, Reject> BY_REPLY = new IdentityHashMap<>();
    static {
        for (Reject r : Reject.values()) if (r.reply != null) BY_REPLY.put(r.reply, r);
    }

    private static final LongAdder STARTED = new LongAdder();
    private static final LongAdder ENDED = new LongAdder();
    private static final LongAdder ACCEPTED = new LongAdder();
    private static final LongAdder ACCEPTED_BYTES = new LongAdder();
    private static final LongAdder TLS = new LongAdder();
    private static final LongAdder AUTHENTICATED = new LongAdder();
    private static final long STARTED_AT = System.currentTimeMillis();

    private SmtpdMetrics() { }

    static void sessionStarted() { STARTED.increment(); }

    static void sessionEnded() { ENDED.increment(); }

    /** A STARTTLS handshake completed. */
    static void tlsStarted() { TLS.increment(); }

    /** An AUTH succeeded (235). */
    static void authenticated() { AUTHENTICATED.increment(); }

    static void accepted(long bytes) {
        ACCEPTED.increment();
        ACCEPTED_BYTES.add(bytes);
    }

    /** Counts a 4xx or 5xx reply by its reason; positive replies cost one type test. */
    static void replied(SmtpReply reply) {
        if (reply instanceof SmtpReply.Positive) return;
        Reject r = BY_REPLY.get(reply);
        if (r == null) r = reply instanceof SmtpReply.Temp ? Reject.QUEUE_TEMP : Reject.QUEUE_PERM; // queueRefused()
        r.count.increment();
    }

    /** /metrics of a tcpserver running qmail-smtpd in-process. */
    public static String render() {
        Exposition e = new Exposition();
        long started = STARTED.sum();
        long ended = ENDED.sum();
        e.single("qmail_smtpd_sessions_started_total", "counter", "SMTP sessions begun (greeting sent).", started);
        e.single("qmail_smtpd_sessions_ended_total", "counter", "SMTP sessions ended (QUIT, end of input, timeout, fatal reply).", ended);
        e.single("qmail_smtpd_sessions_current", "gauge", "SMTP sessions in progress.", Math.max(0, started - ended));
        e.single("qmail_smtpd_messages_accepted_total", "counter", "Messages queued (250 ok after DATA).", ACCEPTED.sum());
        e.single("qmail_smtpd_accepted_bytes_total", "counter",
                "Bytes of accepted messages as queued, after dot-unstuffing, without the Received line.", ACCEPTED_BYTES.sum());
        e.help("qmail_smtpd_rejects_total", "counter",
                "4xx and 5xx replies by code and reason (queue_*: the queue's own refusal, 451 or 554).");
        for (Reject r : Reject.values()) e.sample("qmail_smtpd_rejects_total", r.count.sum(), "code", Integer.toString(r.code()), "reason", r.word);
        e.single("qmail_smtpd_tls_sessions_total", "counter",
                "SMTP sessions that completed a STARTTLS handshake (the TLS share: this over sessions started).", TLS.sum());
        e.single("qmail_smtpd_auth_successes_total", "counter", "AUTH exchanges that succeeded (235).", AUTHENTICATED.sum());
        e.jvm("tcpserver", STARTED_AT);
        return e.text();
    }
}
