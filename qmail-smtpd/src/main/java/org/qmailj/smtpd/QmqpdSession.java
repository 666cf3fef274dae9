package org.qmailj.smtpd;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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
 * One QMQP exchange of qmail-qmqpd(8). The client sends one netstring holding the netstring
 * of the message, the netstring of the sender and one netstring per recipient; the server
 * answers one netstring: {@code Kok TIME qp QP}, or a D/Z text. The message is queued behind
 * a "with QMQP" Received line, to any destination (no rcpthosts: only preauthorized clients
 * may connect). An address of 1000 bytes or more, or with a NUL, refuses the message
 * ({@code Dsorry, I can't accept addresses like that (#5.1.3)}). A malformed packet ends the
 * connection without an answer (exit 100); the end of input, exit 111. Recipients beyond
 * {@link RecipientLimits} refuse the message with a D answer, after the rest of the packet has
 * been read (and dropped); unreadable limits end the connection at once (exit 111). Runs on
 * one thread.
 */
public final class QmqpdSession {
    static final String BAD_ADDRESS = "Dsorry, I can't accept addresses like that (#5.1.3)";
    /**
     * Not qmail's: more recipients than maxrcpt, or more address bytes than maxrcptbytes.
     * Permanent: QMQP cannot split a message, so the same packet would be refused again.
     */
    static final String TOO_MANY = "Dsorry, too many recipients (#5.5.3)";
    static final String TOO_LONG = "Dsorry, the recipient list is too long (#5.5.3)";

    private QmqpdSession() { }

    public static int serve(QmailHome home, Map<String, String> env, Wire wire) {
        RecipientLimits limits;
        try {
            limits = RecipientLimits.load(home.control().forConnection(), env);
        } catch (ControlException | RuntimeException e) {
            return 111;
        }
        wire.timeout(3600);
        OutputStream out = wire.out();
        LineInput in = new LineInput(wire.in(), () -> { });
        QueueClient queue = QueueClients.standard(home, env);
        try {
            String result = exchange(in, queue, SmtpdControl.Peer.of(env), limits);
            out.write(Netstring.encode(result));
            out.flush();
            return 0;
        } catch (Netstring.BadNetstringException e) {
            return 100;
        } catch (EOFException e) {
            return 111;
        } catch (IOException e) {
            return 111;
        }
    }

    /** A counting view: every byte of the packet must lie inside the outer netstring. */
    private static final class Packet {
        final LineInput in;
        long left;

        Packet(LineInput in, long left) {
            this.in = in;
            this.left = left;
        }

        int get() throws IOException {
            if (left-- <= 0) throw new Netstring.BadNetstringException("beyond the packet");
            return in.get();
        }

        long length() throws IOException {
            long len = 0;
            int digits = 0;
            while (true) {
                int ch = get();
                if (ch == ':') {
                    if (digits == 0) throw new Netstring.BadNetstringException("no length");
                    return len;
                }
                if (ch < '0' || ch > '9') throw new Netstring.BadNetstringException("length is not a number");
                len = len * 10 + (ch - '0');
                if (++digits > 10 || len > Netstring.MAX_LENGTH) throw new Netstring.BadNetstringException("too long");
            }
        }

        void comma() throws IOException {
            if (get() != ',') throw new Netstring.BadNetstringException("no comma");
        }

        /** One address netstring; empty if qmail would refuse it. */
        Optional<String> address() throws IOException {
            long len = length();
            if (len > left) throw new Netstring.BadNetstringException("beyond the packet");
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            boolean ok = len < 1000;
            for (long i = 0; i < len; i++) {
                int ch = get();
                if (ch == 0) ok = false;
                if (ok) b.write(ch);
            }
            comma();
            return ok ? Optional.of(b.toString(StandardCharsets.ISO_8859_1)) : Optional.empty();
        }
    }

    static String exchange(LineInput in, QueueClient queue, SmtpdControl.Peer peer, RecipientLimits limits)
            throws IOException {
        Packet p = new Packet(in, Netstring.length(in));
        long len = p.length();
        if (len > p.left) throw new Netstring.BadNetstringException("message beyond the packet");
        QueueClient.Session q;
        try {
            q = queue.open();
        } catch (IOException e) {
            throw new EOFException("cannot start the queue");
        }
        try (q) {
            q.message().write(ReceivedLine.of("QMQP", peer, Optional.empty(), Instant.now()));
            Netstring.copy(in, len, q.message());
            p.left -= len;
            p.comma();
            boolean ok = true;
            Optional<String> sender = p.address();
            ok &= sender.isPresent();
            List<String> rcpts = new ArrayList<>();
            RecipientLimits.Budget budget = new RecipientLimits.Budget(limits);
            RecipientLimits.Budget.Refusal refused = RecipientLimits.Budget.Refusal.NONE;
            while (p.left > 0) {
                Optional<String> r = p.address();
                if (r.isEmpty()) {
                    ok = false;
                } else if (refused == RecipientLimits.Budget.Refusal.NONE) {
                    refused = budget.take(r.get().length());
                    if (refused == RecipientLimits.Budget.Refusal.NONE) rcpts.add(r.get()); else rcpts.clear();
                }
            }
            Netstring.comma(in);
            if (!ok) return BAD_ADDRESS;
            switch (refused) {
                case TOO_MANY -> { return TOO_MANY; }
                case TOO_LONG -> { return TOO_LONG; }
                case NONE -> { }
            }
            QueueResult r = q.commit(new Envelope(sender.get(), rcpts));
            if (r.ok()) return "Kok " + Instant.now().getEpochSecond() + " qp " + r.qp();
            return r.report();
        }
    }
}
