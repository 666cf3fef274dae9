package org.qmailj.smtpd;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qmailj.common.QmailHome;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueClients;
import org.qmailj.common.queue.QueueResult;

/**
 * qmail-qmtpd(8): receives messages via QMTP, one after another on one connection. Each
 * message is a netstring whose first byte says its newline convention (LF, or CR for CR LF,
 * converted to LF), then the sender's netstring, then a netstring of recipient netstrings.
 * The answer is one netstring per recipient, in order: the message's result
 * ({@code Kok TIME qp QP} or the queue's D/Z text) for a recipient accepted, a D text for a
 * domain not in rcpthosts or an address qmail cannot handle. rcpthosts, morercpthosts,
 * RELAYCLIENT, databytes and DATABYTES work as in qmail-smtpd. Of the recipients of one
 * message, the first maxrcpt are judged one by one and taken while maxrcptbytes allows;
 * each other one is answered Z, so the client sends it again in a later message (see
 * {@link RecipientLimits}). A protocol error ends the connection (exit 100); the end of
 * input ends it normally. Runs on one thread.
 */
public final class QmtpdSession {
    static final String NO_GATEWAY = "Dsorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)";
    static final String BAD_RECIPIENT = "Dsorry, I can't handle that recipient (#5.1.3)";
    static final String BAD_SENDER = "Dunacceptable sender (#5.1.7)";
    static final String DATABYTES = "Dsorry, that message size exceeds my databytes limit (#5.3.4)";
    /** Not qmail's: a recipient beyond maxrcpt, or beyond maxrcptbytes; the client sends it again later. */
    static final String TOO_MANY_TEXT = "Zsorry, too many recipients (#4.5.3)";
    static final String TOO_LONG_TEXT = "Zsorry, the recipient list is too long (#4.5.3)";

    private QmtpdSession() { }

    public static int serve(QmailHome home, Map<String, String> env, Wire wire) {
        SmtpdControl control;
        try {
            control = SmtpdControl.load(home.control().forConnection(), env);
        } catch (ControlException | RuntimeException e) {
            return 111;
        }
        wire.timeout(3600);
        BufferedOutputStream out = new BufferedOutputStream(wire.out(), 4096);
        LineInput in = new LineInput(wire.in(), out);
        QueueClient queue = QueueClients.standard(home, env);
        try {
            while (true) {
                // End of input before a new message is the normal end.
                if (in.pos == in.lim && !in.fill()) return 0;
                message(in, queue, control, out);
            }
        } catch (Netstring.BadNetstringException e) {
            return 100;
        } catch (EOFException e) {
            return 0;
        } catch (IOException e) {
            return 111;
        }
    }

    /** One message, from its length to the recipients' replies, which go to {@code out}. */
    static void message(LineInput in, QueueClient queue, SmtpdControl control, OutputStream out) throws IOException {
        long len = Netstring.length(in);
        if (len == 0) throw new Netstring.BadNetstringException("empty message");
        QueueClient.Session q;
        try {
            q = queue.open();
        } catch (IOException e) {
            throw new IOException("cannot start the queue", e);
        }
        try (q) {
            int first = in.get();
            len--;
            boolean dos;
            if (first == '\n') dos = false;
            else if (first == '\r') dos = true;
            else throw new Netstring.BadNetstringException("bad newline convention");
            OutputStream message = q.message();
            message.write(ReceivedLine.of("QMTP", control.peer(), Optional.empty(), Instant.now()));
            DatabytesLimit limit = new DatabytesLimit(message, control.databytes());
            if (dos) {
                OutputStream o = new BufferedOutputStream(limit, 8192);
                while (len > 0) {
                    int ch = in.get();
                    len--;
                    while (ch == '\r' && len > 0) {
                        ch = in.get();
                        len--;
                        if (ch == '\n') break;
                        o.write('\r');
                    }
                    o.write(ch);
                }
                o.flush();
            } else {
                Netstring.copy(in, len, limit);
            }
            Netstring.comma(in);

            // The sender.
            long slen = Netstring.length(in);
            ByteArrayOutputStream sb = new ByteArrayOutputStream();
            boolean senderOk = slen < 1000;
            for (long i = 0; i < slen; i++) {
                int ch = in.get();
                if (ch == 0) senderOk = false;
                if (senderOk) sb.write(ch);
            }
            Netstring.comma(in);

            // The recipients: the first maxrcpt judged one by one (their verdicts in
            // `verdicts`), every later one only counted, to be answered Z.
            RecipientLimits limits = control.limits();
            RecipientLimits.Budget budget = new RecipientLimits.Budget(limits);
            byte[] verdicts = new byte[(int) Math.min(limits.maxRcpt(), 64)];
            int judged = 0;
            long beyond = 0;
            List<String> rcpts = new ArrayList<>();
            String relay = control.relayclient().orElse(null);
            long biglen = Netstring.length(in);
            while (biglen > 0) {
                long rlen = 0;
                int digits = 0;
                while (true) {
                    if (biglen == 0) throw new Netstring.BadNetstringException("recipient beyond the list");
                    int ch = in.get();
                    biglen--;
                    if (ch == ':') break;
                    if (ch < '0' || ch > '9' || ++digits > 10) throw new Netstring.BadNetstringException("bad length");
                    rlen = rlen * 10 + (ch - '0');
                }
                if (digits == 0 || rlen >= biglen) throw new Netstring.BadNetstringException("recipient beyond the list");
                if (judged >= limits.maxRcpt()) {
                    skip(in, rlen);
                    beyond++;
                } else {
                    if (judged == verdicts.length) verdicts = Arrays.copyOf(verdicts, (int) Math.min(limits.maxRcpt(), 2L * judged));
                    verdicts[judged++] = judge(in, rlen, relay, control, budget, rcpts);
                }
                biglen -= rlen + 1;
                Netstring.comma(in);
            }
            Netstring.comma(in);

            String result;
            if (!senderOk) {
                result = BAD_SENDER;
            } else if (limit.exceeded()) {
                result = DATABYTES;
            } else if (rcpts.isEmpty()) {
                result = "";
            } else {
                QueueResult r = q.commit(new Envelope(sb.toString(StandardCharsets.ISO_8859_1), rcpts));
                result = r.ok() ? "Kok " + Instant.now().getEpochSecond() + " qp " + r.qp() : r.report();
            }
            for (int i = 0; i < judged; i++) {
                out.write(Netstring.encode(switch (verdicts[i]) {
                    case ACCEPTED -> result;
                    case NOT_IN_RCPTHOSTS -> NO_GATEWAY;
                    case TOO_MANY -> TOO_MANY_TEXT;
                    case TOO_LONG -> TOO_LONG_TEXT;
                    default -> BAD_RECIPIENT;
                }));
            }
            byte[] tooMany = Netstring.encode(TOO_MANY_TEXT);
            for (long i = 0; i < beyond; i++) out.write(tooMany);
        }
    }

    private static final byte ACCEPTED = 0;
    private static final byte BAD = 1;
    private static final byte NOT_IN_RCPTHOSTS = 2;
    private static final byte TOO_MANY = 3;
    private static final byte TOO_LONG = 4;

    /** Reads one recipient of {@code rlen} bytes and says what becomes of it. */
    private static byte judge(LineInput in, long rlen, String relay, SmtpdControl control, RecipientLimits.Budget budget,
            List<String> rcpts) throws IOException {
        if (rlen + (relay == null ? 0 : relay.length()) >= 1000) {
            skip(in, rlen);
            return BAD;
        }
        byte[] rb = new byte[(int) rlen];
        boolean nul = false;
        for (int i = 0; i < rlen; i++) {
            int ch = in.get();
            if (ch == 0) nul = true;
            rb[i] = (byte) ch;
        }
        if (nul) return BAD;
        String addr = new String(rb, StandardCharsets.ISO_8859_1);
        if (relay != null) addr = addr + relay;
        else if (!control.rcptHosts().allows(addr)) return NOT_IN_RCPTHOSTS;
        return switch (budget.take(addr.length())) {
            case NONE -> {
                rcpts.add(addr);
                yield ACCEPTED;
            }
            case TOO_MANY -> TOO_MANY;
            case TOO_LONG -> TOO_LONG;
        };
    }

    private static void skip(LineInput in, long n) throws IOException {
        for (long i = 0; i < n; i++) in.get();
    }
}
