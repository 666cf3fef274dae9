package org.qmailj.smtpd;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.qmailj.common.QmailHome;
import org.qmailj.common.control.ControlDir;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueClients;
import org.qmailj.common.queue.QueueResult;

/**
 * One SMTP session of qmail-smtpd(8), from the greeting to QUIT or the end of the
 * connection. Runs on one thread: tcpserver's per-connection virtual thread, or the main
 * thread of the standalone program. Its state is qmail's: {@code seenmail}, the sender,
 * whether it is in badmailfrom, the recipients so far and the HELO name.
 *
 * <p>The exit value follows qmail-smtpd: 0 after QUIT, 1 for every other end (end of input,
 * timeout, bare LF, unreadable controls).
 */
public final class SmtpdSession {
    static final int MAXHOPS = 100;
    /**
     * qmail has no limit; a longer command line is answered as qmail under softlimit would be.
     * 4 KiB is eight times RFC 5321's 512 and four times qmail's longest address (899 bytes)
     * with room for ESMTP parameters; HELO's argument, the one line a session keeps, is
     * bounded by it too.
     */
    static final int MAX_COMMAND_LINE = 4096;

    private final SmtpdControl control;
    private final QueueClient queue;
    private final Predicate<byte[]> ipme;
    private final Wire wire;
    private final BufferedOutputStream out;
    private final LineInput in;

    private boolean seenmail;
    private boolean flagbarf;
    private String mailfrom = "";
    private final List<String> rcptto = new ArrayList<>();
    private final RecipientLimits.Budget budget;
    private Optional<String> fakehelo = Optional.empty();
    private RecipientCheck recipientCheck = RecipientCheck.OFF;
    private final EsmtpOptions esmtp;
    private Optional<TlsInfo> tls = Optional.empty();
    private Optional<SmtpAuth> authenticator = Optional.empty();
    private Optional<String> authUser = Optional.empty();
    private boolean smtputf8;

    SmtpdSession(SmtpdControl control, QueueClient queue, Predicate<byte[]> ipme, Wire wire) {
        this(control, EsmtpOptions.NONE, queue, ipme, wire);
    }

    SmtpdSession(SmtpdControl control, EsmtpOptions esmtp, QueueClient queue, Predicate<byte[]> ipme, Wire wire) {
        this.control = control;
        this.esmtp = esmtp;
        this.queue = queue;
        this.ipme = ipme;
        this.wire = wire;
        this.out = new BufferedOutputStream(wire.out(), 512);
        this.in = new LineInput(wire.in(), out);
        this.budget = new RecipientLimits.Budget(control.limits());
        dohelo(control.peer().remotehost());
    }

    /**
     * Runs a whole session for {@code env} (the connection's environment, as tcpserver sets
     * it) on {@code wire}, queueing through {@link QueueClients#standard}.
     *
     * @return the exit code qmail-smtpd would have
     */
    public static int serve(QmailHome home, Map<String, String> env, Wire wire) {
        SmtpdControl control;
        RecipientCheck recipientCheck;
        EsmtpOptions esmtp;
        try {
            // One look at control/ for the connection: its missing files cost one stat together.
            ControlDir controls = home.control().forConnection();
            control = SmtpdControl.load(controls, env);
            recipientCheck = RecipientCheck.load(home, env);
            esmtp = EsmtpOptions.load(controls, env);
        } catch (ControlException | RuntimeException e) {
            return dieWith(wire, Replies.DIE_CONTROL);
        }
        IpMe ipme;
        try {
            ipme = IpMe.get();
        } catch (SocketException e) {
            return dieWith(wire, Replies.DIE_IPME);
        }
        wire.timeout(control.timeoutSeconds());
        return new SmtpdSession(control, esmtp, QueueClients.standard(home, env), ipme, wire)
                .checkingRecipients(recipientCheck).run();
    }

    /** With {@code RCPTCHECK}: unknown local recipients get 550 at RCPT. */
    SmtpdSession checkingRecipients(RecipientCheck check) {
        this.recipientCheck = check;
        return this;
    }

    private static int dieWith(Wire wire, SmtpReply reply) {
        SmtpdMetrics.replied(reply);
        try {
            wire.out().write(reply.wire());
            wire.out().flush();
        } catch (IOException e) {
            // the client is gone
        }
        return 1;
    }

    /** The greeting, then commands until QUIT or the end. */
    int run() {
        SmtpdMetrics.sessionStarted();
        try {
            return commands();
        } finally {
            SmtpdMetrics.sessionEnded();
        }
    }

    private int commands() {
        try {
            reply(Replies.greeting(control.greeting()));
            while (true) {
                String line = in.readLine(MAX_COMMAND_LINE);
                int sp = line.indexOf(' ');
                String word = sp < 0 ? line : line.substring(0, sp);
                int a = sp < 0 ? line.length() : sp;
                while (a < line.length() && line.charAt(a) == ' ') a++;
                Verb verb = Verb.of(word);
                SmtpReply r = verb.handler.handle(this, line.substring(a));
                if (r != null) reply(r); // null: the handler answered itself (STARTTLS)
                if (verb.flush) out.flush();
                if (verb == Verb.QUIT) return 0;
            }
        } catch (EOFException e) {
            return 1;
        } catch (SocketTimeoutException e) {
            return die(Replies.DIE_ALARM);
        } catch (DataDecoder.StrayNewlineException e) {
            return die(Replies.STRAYNEWLINE);
        } catch (OverLimitException e) {
            return die(Replies.DIE_NOMEM);
        } catch (SmtpAuth.TooManyFailures e) {
            return die(Replies.AUTH_TOO_MANY);
        } catch (IOException e) {
            return 1;
        }
    }

    private int die(SmtpReply reply) {
        try {
            reply(reply);
            out.flush();
        } catch (IOException e) {
            // the client is gone
        }
        return 1;
    }

    private void reply(SmtpReply reply) throws IOException {
        SmtpdMetrics.replied(reply);
        out.write(reply.wire());
    }

    private void dohelo(String arg) {
        fakehelo = arg.equalsIgnoreCase(control.peer().remotehost()) && asciiOnlyCaseDiff(arg)
                ? Optional.empty() : Optional.of(arg);
    }

    /** case_diffs folds ASCII letters only; equalsIgnoreCase folds more, so check the rest. */
    private boolean asciiOnlyCaseDiff(String arg) {
        String host = control.peer().remotehost();
        for (int i = 0; i < arg.length(); i++) {
            char x = arg.charAt(i);
            char y = host.charAt(i);
            if (x >= 'A' && x <= 'Z') x += 32;
            if (y >= 'A' && y <= 'Z') y += 32;
            if (x != y) return false;
        }
        return true;
    }

    SmtpReply helo(String arg) {
        seenmail = false;
        dohelo(arg);
        return Replies.helo(control.greeting());
    }

    SmtpReply ehlo(String arg) {
        seenmail = false;
        dohelo(arg);
        return Replies.ehlo(control.greeting(),
                esmtp.keywords(control.databytes(), tls.isEmpty() && wire.tlsCapable(), authAvailable()));
    }

    SmtpReply rset(String arg) {
        seenmail = false;
        return Replies.FLUSHED;
    }

    SmtpReply quit(String arg) {
        return Replies.quit(control.greeting());
    }

    SmtpReply mail(String arg) {
        if (esmtp.submission() && authUser.isEmpty()) return Replies.AUTH_REQUIRED;
        Optional<String> addr = AddrParse.parse(arg, control.localiphost(), ipme);
        if (addr.isEmpty()) return Replies.ERR_SYNTAX;
        MailParams params = MailParams.parse(arg);
        long databytes = control.databytes();
        if (databytes > 0 && params.size().orElse(0) > databytes) return Replies.DATABYTES;
        smtputf8 = params.smtputf8();
        flagbarf = badmailfrom(addr.get());
        seenmail = true;
        rcptto.clear();
        budget.reset();
        mailfrom = addr.get();
        return Replies.OK;
    }

    private boolean badmailfrom(String addr) {
        if (control.badmailfrom().isEmpty()) return false;
        if (control.badmailfrom().get().contains(addr)) return true;
        int at = addr.lastIndexOf('@');
        return at >= 0 && control.badmailfrom().get().contains(addr.substring(at));
    }

    SmtpReply rcpt(String arg) {
        if (!seenmail) return Replies.ERR_WANTMAIL;
        Optional<String> parsed = AddrParse.parse(arg, control.localiphost(), ipme);
        if (parsed.isEmpty()) return Replies.ERR_SYNTAX;
        if (flagbarf) return Replies.ERR_BMF;
        String addr = parsed.get();
        Optional<String> relayclient = control.relayclient().or(() -> authUser.map(u -> ""));
        if (relayclient.isPresent()) {
            addr = addr + relayclient.get();
        } else if (!control.rcptHosts().allows(addr)) {
            return Replies.ERR_NOGATEWAY;
        }
        if (!recipientCheck.accepts(addr)) return RecipientCheck.NO_MAILBOX;
        switch (budget.take(addr.length())) {
            case TOO_MANY -> { return Replies.ERR_TOOMANYRCPT; }
            case TOO_LONG -> { return Replies.ERR_RCPTBYTES; }
            case NONE -> rcptto.add(addr);
        }
        return Replies.OK;
    }

    /**
     * DATA: 354, then the message through the filter chain (decoder, hop counter, databytes)
     * into the queue behind qmail's Received line; the envelope is given only when the
     * message may be queued, so a refused or broken message leaves nothing in the queue.
     */
    SmtpReply data(String arg) throws IOException {
        if (!seenmail) return Replies.ERR_WANTMAIL;
        if (rcptto.isEmpty()) return Replies.ERR_WANTRCPT;
        seenmail = false;
        QueueClient.Session q;
        try {
            q = queue.open();
        } catch (IOException e) {
            return Replies.ERR_QQT;
        }
        try (q) {
            reply(Replies.GO_AHEAD);
            OutputStream message = q.message();
            message.write(ReceivedLine.of(ReceivedLine.protocol(smtputf8, tls, authUser), control.peer(), fakehelo, Instant.now()));
            DatabytesLimit limit = new DatabytesLimit(message, control.databytes());
            HopCounter hops = new HopCounter(limit);
            new DataDecoder(in).transferTo(hops);
            if (hops.hops() >= MAXHOPS) return Replies.TOO_MANY_HOPS;
            if (limit.exceeded()) return Replies.DATABYTES;
            QueueResult r = q.commit(new Envelope(mailfrom, rcptto));
            rcptto.clear(); // needed again only after the next MAIL, which clears it anyway
            if (r.ok()) {
                SmtpdMetrics.accepted(limit.count());
                return Replies.accepted(Instant.now().getEpochSecond(), r.qp());
            }
            return Replies.queueRefused(r);
        }
    }

    /**
     * STARTTLS (RFC 3207): 220, then the handshake on the same connection. Whatever the
     * client sent after STARTTLS before the handshake is thrown away (a man in the middle
     * could have put it there: CVE-2011-0411), and so is everything the session knew: HELO,
     * sender, recipients, authentication. A failed or stalled handshake ends the connection.
     */
    SmtpReply starttls(String arg) throws IOException {
        if (tls.isPresent()) return Replies.ERR_UNIMPL;
        if (!arg.isEmpty()) return Replies.TLS_SYNTAX;
        if (esmtp.tls().isEmpty() || !wire.tlsCapable()) return Replies.TLS_UNAVAILABLE;
        reply(Replies.TLS_GO_AHEAD);
        out.flush();
        in.discard();
        try {
            tls = Optional.of(wire.startTls(esmtp.tls().get()));
        } catch (IOException e) {
            throw new TlsFailedException(e);
        }
        SmtpdMetrics.tlsStarted();
        seenmail = false;
        rcptto.clear();
        budget.reset();
        authUser = Optional.empty();
        smtputf8 = false;
        dohelo(control.peer().remotehost());
        return null;
    }

    /** A failed handshake: the connection ends without another word (the peer speaks TLS or nothing). */
    static final class TlsFailedException extends IOException {
        TlsFailedException(IOException cause) { super("TLS handshake failed", cause); }
    }

    private boolean authAvailable() {
        return esmtp.authProgram().isPresent() && (tls.isPresent() || esmtp.authWithoutTls());
    }

    /** AUTH (RFC 4954): PLAIN or LOGIN, checked by the checkpassword program. */
    SmtpReply auth(String arg) throws IOException {
        if (!authAvailable()) return Replies.AUTH_UNAVAILABLE;
        if (authUser.isPresent()) return Replies.AUTH_ALREADY;
        if (seenmail) return Replies.AUTH_IN_MAIL;
        if (authenticator.isEmpty()) {
            authenticator = Optional.of(new SmtpAuth(new Checkpassword(esmtp.authProgram().get(), esmtp.env(), control.timeoutSeconds())));
        }
        SmtpAuth.Result r = authenticator.get().auth(arg, prompt -> {
            reply(new SmtpReply.Positive("334 " + prompt));
            out.flush();
            return in.readLine(MAX_COMMAND_LINE);
        });
        r.user().ifPresent(u -> {
            authUser = Optional.of(u);
            SmtpdMetrics.authenticated();
        });
        return r.reply();
    }
}
