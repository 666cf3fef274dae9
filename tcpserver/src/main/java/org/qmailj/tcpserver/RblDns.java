package org.qmailj.tcpserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.qmailj.common.dns.Resolvers;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * rblsmtpd's two questions (djbdns's dns_txt and dns_ip4) through dnsjava, the resolver
 * qmail-remote uses (qmail-common's Resolvers: {@code QMAIL_DNS_SERVER},
 * {@code QMAIL_DNS_TIMEOUT}, else /etc/resolv.conf). An answer
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
                if (shared == null) shared = of(Resolvers.fromEnvironment());
                l = shared;
            }
        }
        return l;
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
