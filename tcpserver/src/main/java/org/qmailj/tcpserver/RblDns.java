package org.qmailj.tcpserver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * rblsmtpd's two questions (djbdns's dns_txt and dns_ip4) through dnsjava, the resolver
 * qmail-remote uses, configured the same way: {@code QMAIL_DNS_SERVER} (environment) or
 * {@code -Dqmail.dns.server} ({@code host} or {@code host:port}), else /etc/resolv.conf;
 * {@code QMAIL_DNS_TIMEOUT} / {@code -Dqmail.dns.timeout} seconds (default 10). An answer
 * (NOERROR or NXDOMAIN) is a result, possibly empty; anything else (SERVFAIL, REFUSED, a
 * timeout) is temporary, as djbdns's resolver reports it. Thread-safe.
 */
final class RblDns {
    /** A result, or null for a temporary failure. */
    interface Lookup {
        /** The TXT records' strings, concatenated; "" when there are none; null: temporary failure. */
        String txt(String name);

        /** Whether there is an A record; null: temporary failure. */
        Boolean a(String name);
    }

    private RblDns() {
    }

    private static volatile Lookup shared;

    /** The environment's resolver, made at the first question (a client RBLSMTPD decides needs none). */
    static Lookup get() {
        return new Lookup() {
            @Override
            public String txt(String name) {
                return resolved().txt(name);
            }

            @Override
            public Boolean a(String name) {
                return resolved().a(name);
            }
        };
    }

    private static Lookup resolved() {
        Lookup l = shared;
        if (l == null) {
            synchronized (RblDns.class) {
                if (shared == null) shared = of(resolver());
                l = shared;
            }
        }
        return l;
    }

    private static Resolver resolver() {
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        }
        if (System.getProperty("slf4j.internal.verbosity") == null) System.setProperty("slf4j.internal.verbosity", "ERROR");
        String server = setting("qmail.dns.server", "QMAIL_DNS_SERVER");
        String t = setting("qmail.dns.timeout", "QMAIL_DNS_TIMEOUT");
        Resolver r;
        try {
            if (server == null) {
                r = new ExtendedResolver();
            } else {
                int colon = server.lastIndexOf(':');
                boolean withPort = colon > 0 && server.indexOf(':') == colon;
                r = new SimpleResolver(new InetSocketAddress(InetAddress.getByName(withPort ? server.substring(0, colon) : server),
                        withPort ? Integer.parseInt(server.substring(colon + 1)) : 53));
            }
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("QMAIL_DNS_SERVER: " + e.getMessage(), e);
        }
        r.setTimeout(Duration.ofSeconds(t == null ? 10 : Long.parseLong(t.trim())));
        return r;
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isEmpty()) v = System.getenv(env);
        return v == null || v.isEmpty() ? null : v;
    }

    static Lookup of(Resolver resolver) {
        return new Lookup() {
            @Override
            public String txt(String name) {
                List<Record> rs = ask(resolver, name, Type.TXT);
                if (rs == null) return null;
                StringBuilder b = new StringBuilder();
                for (Record r : rs) {
                    if (!(r instanceof TXTRecord t)) continue;
                    for (byte[] s : t.getStringsAsByteArrays()) b.append(new String(s, StandardCharsets.ISO_8859_1));
                    if (b.length() > 1000) break; // rblsmtpd shows 200
                }
                return b.toString();
            }

            @Override
            public Boolean a(String name) {
                List<Record> rs = ask(resolver, name, Type.A);
                if (rs == null) return null;
                return rs.stream().anyMatch(r -> r instanceof ARecord);
            }
        };
    }

    /** The answer section; empty for NXDOMAIN or no data; null for a temporary failure. */
    private static List<Record> ask(Resolver resolver, String host, int type) {
        Name name;
        try {
            name = Name.fromString(host, Name.root);
        } catch (TextParseException e) {
            return List.of();
        }
        Message reply;
        try {
            reply = resolver.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return switch (reply.getRcode()) {
            case Rcode.NOERROR -> reply.getSection(Section.ANSWER);
            case Rcode.NXDOMAIN -> List.of();
            default -> null;
        };
    }
}
