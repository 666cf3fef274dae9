package org.qmailj.remote;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.qmailj.common.dns.Resolvers;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
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
 * {@link Dns} through dnsjava, asking one resolver directly (no search list, no cache: as
 * qmail's res_query); {@link #fromEnvironment} takes the resolver that
 * {@code QMAIL_DNS_SERVER}/{@code QMAIL_DNS_TIMEOUT} name (qmail-common's Resolvers).
 * Rcode mapping as glibc's res_query, which qmail relies on: NXDOMAIN, no
 * records of the type, REFUSED, NOTIMP and FORMERR are permanent; SERVFAIL, timeouts and
 * unreadable replies are temporary. Thread-safe.
 */
public final class DnsjavaDns implements Dns {
    private final Resolver resolver;

    public DnsjavaDns(Resolver resolver) {
        this.resolver = resolver;
    }

    /** The resolver the environment asks for (qmail-common's {@link Resolvers}). */
    public static DnsjavaDns fromEnvironment() {
        return new DnsjavaDns(Resolvers.fromEnvironment());
    }

    private sealed interface Reply permits Answer, Failed {
    }

    private record Answer(List<Record> records) implements Reply {
    }

    private record Failed(boolean soft) implements Reply {
    }

    private static final Failed SOFT = new Failed(true);
    private static final Failed HARD = new Failed(false);

    /** qmail's resolve(): one question, the answer section or a failure class. */
    private Reply resolve(String host, int type) {
        Name name;
        try {
            if (host.isEmpty()) return HARD;
            name = Name.fromString(host, Name.root);
        } catch (TextParseException e) {
            return HARD;
        }
        Message reply;
        try {
            reply = resolver.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
        } catch (IOException | RuntimeException e) {
            return SOFT;
        }
        return switch (reply.getRcode()) {
            case Rcode.NOERROR -> {
                List<Record> answers = reply.getSection(Section.ANSWER);
                yield answers.isEmpty() ? HARD : new Answer(answers);
            }
            case Rcode.SERVFAIL -> SOFT;
            default -> HARD;
        };
    }

    @Override
    public Canonical cname(String host) {
        String h = host;
        for (int loop = 0; loop < 10; loop++) {
            if (h.isEmpty() || h.endsWith("]")) return new Canon(h, loop);
            if (h.endsWith(".")) {
                h = h.substring(0, h.length() - 1);
                continue;
            }
            Reply r = resolve(h, Type.CNAME);
            if (r instanceof Failed f) {
                if (f.soft()) return new CanonSoft();
                return new Canon(h, loop);
            }
            String target = null;
            for (Record rec : ((Answer) r).records()) {
                if (rec instanceof CNAMERecord c) {
                    target = c.getTarget().toString(true);
                    break;
                }
            }
            if (target == null) return new Canon(h, loop);
            h = target;
        }
        return new Canon(h, -1);
    }

    @Override
    public Optional<List<String>> txt(String host) {
        Reply r = resolve(host, Type.TXT);
        if (r == SOFT) return Optional.empty();
        List<String> found = new ArrayList<>();
        if (r instanceof Answer a) {
            for (Record rec : a.records()) {
                if (rec instanceof TXTRecord t) {
                    StringBuilder b = new StringBuilder();
                    for (byte[] part : t.getStringsAsByteArrays()) b.append(new String(part, StandardCharsets.ISO_8859_1));
                    found.add(b.toString());
                }
            }
        }
        return Optional.of(found);
    }

    @Override
    public Addresses ip(String host) {
        return ipplus(host, 0);
    }

    /** qmail's dns_ipplus: a literal, or the A records then the AAAA records of host. */
    private Addresses ipplus(String host, int pref) {
        InetAddress literal = MxAddress.literal(host);
        if (literal != null) return new Found(List.of(new MxAddress(0, literal)), false);
        Reply a = resolve(host, Type.A);
        Reply aaaa = resolve(host, Type.AAAA);
        List<MxAddress> found = new ArrayList<>();
        if (a instanceof Answer ans) {
            for (Record rec : ans.records()) if (rec instanceof ARecord ar) found.add(new MxAddress(pref, ar.getAddress(), host));
        }
        if (aaaa instanceof Answer ans) {
            for (Record rec : ans.records()) {
                if (rec instanceof AAAARecord ar) found.add(new MxAddress(pref, ar.getAddress(), host));
            }
        }
        boolean soft = a == SOFT || aaaa == SOFT;
        if (!found.isEmpty()) return new Found(found, soft);
        if (soft) return new Soft();
        if (a == HARD && aaaa == HARD) return new Hard();
        return new Found(List.of(), false);
    }

    @Override
    public Addresses mxip(String host, long random) {
        InetAddress literal = MxAddress.literal(host);
        if (literal != null) return new Found(List.of(new MxAddress(0, literal)), false);
        Reply r = resolve(host, Type.MX);
        if (r == SOFT) return new Soft();
        if (r == HARD) return ip(host);
        record Mx(int pref, String host) {
        }
        List<Mx> mx = new ArrayList<>();
        for (Record rec : ((Answer) r).records()) {
            if (rec instanceof MXRecord m) mx.add(new Mx(m.getPriority(), m.getTarget().toString(true)));
        }
        if (mx.isEmpty()) return ip(host); // e.g. CNAME -> A
        // Lowest preference first; among equal ones qmail's random pick (same generator).
        List<MxAddress> out = new ArrayList<>();
        boolean soft = false;
        while (!mx.isEmpty()) {
            int i = 0;
            long numsame = 1;
            for (int j = 1; j < mx.size(); j++) {
                if (mx.get(j).pref() < mx.get(i).pref()) {
                    i = j;
                    numsame = 1;
                } else if (mx.get(j).pref() == mx.get(i).pref()) {
                    numsame++;
                    // qmail's generator in the 32-bit arithmetic it was written for: a 1/numsame
                    // chance to switch (with 64-bit longs C qmail's test almost never switches).
                    random = (random * 69069 + 1) & 0xFFFF_FFFFL;
                    if ((random >>> 1) < 2147483647L / numsame) i = j;
                }
            }
            Mx chosen = mx.get(i);
            Addresses a = ipplus(chosen.host(), chosen.pref());
            switch (a) {
                case Found f -> {
                    for (MxAddress x : f.addresses()) out.add(new MxAddress(chosen.pref(), x.ip(), chosen.host()));
                    soft |= f.soft();
                }
                case Soft s -> soft = true;
                case Hard h -> { }
            }
            mx.set(i, mx.getLast());
            mx.removeLast();
        }
        return new Found(out, soft);
    }
}
