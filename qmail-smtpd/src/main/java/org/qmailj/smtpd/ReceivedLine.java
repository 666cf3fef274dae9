package org.qmailj.smtpd;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * The trace line qmail's received() puts at the top of every message received from the
 * network:
 * <pre>
 * Received: from REMOTEHOST (HELO helo) (INFO@REMOTEIP)\n  by LOCAL with PROTOCOL; 26 Sep 1995 04:46:54 -0000\n
 * </pre>
 * "(HELO ...)" only when the HELO name differs (ignoring case) from the remote host name,
 * "INFO@" only when TCPREMOTEINFO is set. Every byte of the variable parts outside
 * letters, digits and {@code . @ % + / = : -} becomes {@code ?}.
 */
public final class ReceivedLine {
    private static final String[] MONTHS =
            {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    private ReceivedLine() { }

    public static byte[] of(String protocol, SmtpdControl.Peer peer, Optional<String> helo, Instant now) {
        StringBuilder s = new StringBuilder(160);
        s.append("Received: from ");
        safe(s, peer.remotehost());
        helo.ifPresent(h -> {
            s.append(" (HELO ");
            safe(s, h);
            s.append(')');
        });
        s.append(" (");
        peer.remoteinfo().ifPresent(i -> {
            safe(s, i);
            s.append('@');
        });
        safe(s, peer.remoteip());
        s.append(")\n  by ");
        safe(s, peer.local());
        s.append(" with ").append(protocol).append("; ").append(date822(now));
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The with-clause after netqmail's plain "SMTP": RFC 3848's ESMTPS / ESMTPA / ESMTPSA and
     * RFC 6531's UTF8SMTP family, then, as comments, the TLS protocol and cipher in the TLS
     * patch's spirit ({@code (TLSv1.3 cipher TLS_AES_256_GCM_SHA384)}) and the authenticated
     * user ({@code (AUTH: user)}, through the same filter as the other variable parts).
     */
    public static String protocol(boolean utf8, Optional<TlsInfo> tls, Optional<String> user) {
        String suffix = (tls.isPresent() ? "S" : "") + (user.isPresent() ? "A" : "");
        StringBuilder s = new StringBuilder(utf8 ? "UTF8SMTP" + suffix : suffix.isEmpty() ? "SMTP" : "ESMTP" + suffix);
        tls.ifPresent(t -> {
            s.append(" (");
            token(s, t.protocol());
            s.append(" cipher ");
            token(s, t.cipher());
            s.append(')');
        });
        user.ifPresent(u -> {
            s.append(" (AUTH: ");
            safe(s, u);
            s.append(')');
        });
        return s.toString();
    }

    /** JDK names of protocols and suites: letters, digits, '.', '_'; anything else '?'. */
    private static void token(StringBuilder s, String text) {
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            boolean ok = ch == '.' || ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
            s.append(ok ? ch : '?');
        }
    }

    /** qmail's date822fmt: {@code 26 Sep 1995 04:46:54 -0000\n}, always UTC. */
    public static String date822(Instant now) {
        ZonedDateTime t = now.atZone(ZoneOffset.UTC);
        return "%d %s %d %02d:%02d:%02d -0000\n".formatted(t.getDayOfMonth(), MONTHS[t.getMonthValue() - 1],
                t.getYear(), t.getHour(), t.getMinute(), t.getSecond());
    }

    private static void safe(StringBuilder s, String text) {
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            boolean ok = ch == '.' || ch == '@' || ch == '%' || ch == '+' || ch == '/' || ch == '=' || ch == ':'
                    || ch == '-' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
            s.append(ok ? ch : '?');
        }
    }
}
