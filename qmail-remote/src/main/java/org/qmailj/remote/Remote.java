package org.qmailj.remote;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.qmailj.remote.dkim.SignedMessage;

/**
 * qmail-remote: sends one message to one or more recipients at one remote host by SMTP
 * (qmail-remote(8)). The same code serves bin/qmail-remote and qmail-rspawn's in-process
 * deliveries; it never touches descriptors itself and reports into an {@link Output}.
 *
 * <p>Steps, as qmail-remote.c's main(): pick an artificial route from smtproutes; quote the
 * sender's and recipients' boxes and (without a route) replace the recipients' domains by
 * their canonical names; find the addresses (MX records by preference, else A/AAAA; a
 * route's relay by A/AAAA); drop the addresses whose MX preference is no better than one
 * pointing at this host; try them in order, skipping those the tcpto table says are down,
 * and hold the SMTP session with the first that answers.
 *
 * <p>Thread-safe: state lives in the call; the {@link Context} parts are shared.
 */
public final class Remote {
    static final int PORT_SMTP = 25;

    /**
     * What deliveries share: controls, resolver, local addresses, timeout table, randomness,
     * the TLS client (its trust store) and the MTA-STS policy cache (null: MTA-STS off).
     */
    public record Context(RemoteControl control, Dns dns, Ipme ipme, Tcpto tcpto, LongSupplier random, TlsClient tls,
            MtaSts mtaSts) {

        /** With the JDK's trust store and without MTA-STS. */
        public Context(RemoteControl control, Dns dns, Ipme ipme, Tcpto tcpto, LongSupplier random) {
            this(control, dns, ipme, tcpto, random, TlsClient.jdkDefault(), null);
        }

        /** The same shared parts with newly read control files. */
        public Context withControl(RemoteControl c) {
            return new Context(c, dns, ipme, tcpto, random, tls, mtaSts);
        }
    }

    private Remote() {
    }

    /** Delivers and returns qmail-remote's output (the reports, each ending in a 0 byte). */
    public static Output deliver(Context ctx, String host, String sender, List<String> recips, MessageSource message) {
        Output out = new Output();
        try {
            run(ctx, host, sender, recips, message, out);
        } catch (Output.Finished done) {
            // the message report is written
        }
        return out;
    }

    /** qmail-remote's usage error, for a caller with too few arguments. */
    public static Output usage() {
        Output out = new Output();
        Failure.USAGE.report(out);
        return out;
    }

    /** Control files unreadable, or no helohost: qmail-remote's temp_control. */
    public static Output controlFailure() {
        Output out = new Output();
        Failure.CONTROL.report(out);
        return out;
    }

    /** An artificial route: connect to relay (or look up MX when relay is null) on port. */
    record Route(String relay, int port) {
    }

    /**
     * The smtproutes entry for host: the whole host, then each suffix starting at a dot, then
     * the empty default. An empty relay means "look up MX as usual"; as an extension of this
     * suite, {@code domain::port} does that but connects to port. A relay may be an IPv6
     * literal in brackets, followed by {@code :port}.
     */
    static Optional<Route> route(RemoteControl control, String host) {
        for (int i = 0; i <= host.length(); i++) {
            if (i == 0 || i == host.length() || host.charAt(i) == '.') {
                Optional<String> r = control.smtproutes().get(host.substring(i));
                if (r.isPresent()) return parseRoute(r.get());
            }
        }
        return Optional.empty();
    }

    private static Optional<Route> parseRoute(String value) {
        if (value.isEmpty()) return Optional.empty();
        String relay = value;
        String port = null;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close > 0 && close + 1 < value.length() && value.charAt(close + 1) == ':') {
                relay = value.substring(0, close + 1);
                port = value.substring(close + 2);
            }
        } else {
            int colon = value.indexOf(':');
            if (colon >= 0) {
                relay = value.substring(0, colon);
                port = value.substring(colon + 1);
            }
        }
        return Optional.of(new Route(relay.isEmpty() ? null : relay, port == null ? PORT_SMTP : scanPort(port)));
    }

    /** scan_ulong: the leading digits, 0 when there are none. */
    private static int scanPort(String s) {
        long v = 0;
        for (int i = 0; i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9'; i++) {
            v = v * 10 + (s.charAt(i) - '0');
            if (v > 65535) return 0;
        }
        return (int) v;
    }

    private static void run(Context ctx, String host, String sender, List<String> recips, MessageSource message, Output out) {
        Optional<Route> route = route(ctx.control(), host);
        boolean relayed = route.isPresent() && route.get().relay() != null;
        int port = route.map(Route::port).orElse(PORT_SMTP);
        if (relayed) host = route.get().relay();

        String envSender = mangle(ctx, sender, false, out).address();
        boolean allAliases = true;
        List<String> envRecips = new ArrayList<>(recips.size());
        for (String r : recips) {
            Mangled m = mangle(ctx, r, !relayed, out);
            if (!m.alias()) allAliases = false;
            envRecips.add(m.address());
        }

        // Find the addresses.
        Dns.Addresses found = relayed ? ctx.dns().ip(host) : ctx.dns().mxip(host, ctx.random().getAsLong());
        List<MxAddress> ips = switch (found) {
            case Dns.Soft s -> throw Failure.DNS.report(out);
            case Dns.Hard h -> throw Failure.noSuchHost(out, host);
            case Dns.Found f -> {
                if (f.soft() && f.addresses().isEmpty()) throw Failure.DNS.report(out);
                yield f.addresses();
            }
        };
        if (ips.isEmpty()) throw Failure.NOMX.report(out);

        // Skip MX hosts that are us, and those worse than us.
        long prefme = 100000;
        try {
            for (MxAddress a : ips) if (ctx.ipme().isMe(a.ip()) && a.pref() < prefme) prefme = a.pref();
        } catch (IOException e) {
            throw Failure.OSERR.report(out);
        }
        if (relayed) prefme = 300000;
        if (allAliases) prefme = 500000;
        final long best = prefme;
        if (ips.stream().noneMatch(a -> a.pref() < best)) throw Failure.AMBIGMX.report(out);

        // MTA-STS: in enforce mode only the MX hosts the policy names, each with verified TLS.
        Optional<MtaSts.Policy> sts = relayed ? Optional.empty() : stsPolicy(ctx, host);
        boolean enforce = sts.isPresent() && sts.get().mode() == MtaSts.Mode.ENFORCE;
        if (enforce) {
            MtaSts.Policy p = sts.get();
            ips = ips.stream().filter(a -> p.matches(a.name())).toList();
            if (ips.stream().noneMatch(a -> a.pref() < best)) {
                out.text("ZSorry, none of the mail exchangers of ");
                out.safe(host);
                out.text(" matches its MTA-STS policy (mode enforce). (#4.7.5)\n");
                throw out.finish();
            }
        }
        TlsPolicy stsTls = TlsPolicy.verifyJdk("the MTA-STS policy of " + host);
        // DKIM: the signature is made when the message is first sent, and kept for the next address.
        MessageSource signed = SignedMessage.of(message, ctx.control().dkim());

        // Try each address in turn.
        for (MxAddress a : ips) {
            if (a.pref() >= prefme) continue;
            Tcpto.Check check = ctx.tcpto().check(a.ip());
            if (check.skip()) continue;
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(a.ip(), port), Math.max(1, ctx.control().timeoutConnect() * 1000));
            } catch (IOException e) {
                ctx.tcpto().record(a.ip(), e instanceof SocketTimeoutException, check);
                closeQuietly(s);
                continue;
            }
            ctx.tcpto().record(a.ip(), false, check);
            String serverName = a.name() != null ? a.name() : a.text();
            TlsPolicy tlsPolicy = enforce ? stsTls
                    : ctx.control().tlsdestinations().lookup(a.name(), host).orElse(TlsPolicy.OPPORTUNISTIC);
            try {
                throw new SmtpSession(s, a.text(), ctx.control().timeoutRemote(), out,
                        new SmtpSession.Tls(ctx.tls(), tlsPolicy, serverName))
                        .run(ctx.control().helohost(), envSender, envRecips, signed);
            } catch (IOException e) {
                throw Failure.OSERR.report(out);
            } finally {
                closeQuietly(s);
            }
        }
        throw Failure.NOCONN.report(out);
    }

    /**
     * The MTA-STS policy for mail to host: none when MTA-STS is off, for an IP literal, and
     * when control/tlsdestinations names the domain itself (an explicit local policy wins).
     */
    private static Optional<MtaSts.Policy> stsPolicy(Context ctx, String host) {
        if (ctx.mtaSts() == null || MxAddress.literal(host) != null) return Optional.empty();
        if (ctx.control().tlsdestinations().named(host).isPresent()) return Optional.empty();
        return ctx.mtaSts().policy(host);
    }

    private record Mangled(String address, boolean alias) {
    }

    /** qmail's addrmangle: box quoted, host canonical when asked; alias = the host was a CNAME. */
    private static Mangled mangle(Context ctx, String address, boolean cname, Output out) {
        int at = address.lastIndexOf('@');
        if (at < 0) return new Mangled(address, cname);
        String box = Quote.box(address.substring(0, at));
        String domain = address.substring(at + 1);
        boolean alias = cname;
        if (cname) {
            switch (ctx.dns().cname(domain)) {
                case Dns.CanonSoft s -> throw Failure.DNSCANON.report(out);
                case Dns.Canon n -> {
                    domain = n.name();
                    if (n.aliases() == 0) alias = false;
                }
            }
        }
        return new Mangled(box + "@" + domain, alias);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
