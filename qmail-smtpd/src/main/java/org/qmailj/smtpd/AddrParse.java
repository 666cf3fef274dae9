package org.qmailj.smtpd;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * qmail-smtpd's reading of the argument of MAIL and RCPT: the text between {@code <} and
 * {@code >} (or, for partners that never read RFC 821, after the colon up to a space), with
 * a source route ({@code @a,@b:}) stripped, backslash escapes and double quotes removed.
 * A recipient {@code box@[d.d.d.d]} naming one of this host's addresses becomes
 * {@code box@localiphost}. Longer than 899 bytes is a syntax error (empty result).
 */
public final class AddrParse {
    private AddrParse() { }

    public static Optional<String> parse(String arg, Optional<String> localiphost, Predicate<byte[]> ipme) {
        char terminator = '>';
        int i = arg.indexOf('<');
        int p;
        if (i >= 0) {
            p = i + 1;
        } else {
            terminator = ' ';
            int colon = arg.indexOf(':');
            p = colon >= 0 ? colon + 1 : arg.length();
            while (p < arg.length() && arg.charAt(p) == ' ') p++;
        }
        // Strip the source route.
        if (p < arg.length() && arg.charAt(p) == '@') {
            while (p < arg.length()) {
                if (arg.charAt(p++) == ':') break;
            }
        }
        StringBuilder addr = new StringBuilder();
        boolean esc = false;
        boolean quoted = false;
        for (; p < arg.length(); p++) {
            char ch = arg.charAt(p);
            if (esc) {
                addr.append(ch);
                esc = false;
            } else {
                if (!quoted && ch == terminator) break;
                switch (ch) {
                    case '\\' -> esc = true;
                    case '"' -> quoted = !quoted;
                    default -> addr.append(ch);
                }
            }
        }
        String a = addr.toString();
        if (localiphost.isPresent()) {
            int at = a.lastIndexOf('@');
            if (at >= 0 && at + 1 < a.length() && a.charAt(at + 1) == '[') {
                byte[] ip = scanBracket(a.substring(at + 1));
                if (ip != null && ipme.test(ip)) a = a.substring(0, at + 1) + localiphost.get();
            }
        }
        // qmail counts the terminating NUL: addr.len > 900.
        if (a.length() + 1 > 900) return Optional.empty();
        return Optional.of(a);
    }

    /** ip_scanbracket that must consume the whole string: {@code [d.d.d.d]}, else null. */
    static byte[] scanBracket(String s) {
        if (s.length() < 2 || s.charAt(0) != '[' || s.charAt(s.length() - 1) != ']') return null;
        String[] parts = s.substring(1, s.length() - 1).split("\\.", -1);
        if (parts.length != 4) return null;
        byte[] ip = new byte[4];
        for (int k = 0; k < 4; k++) {
            String d = parts[k];
            if (d.isEmpty() || d.length() > 10) return null;
            long v = 0;
            for (int c = 0; c < d.length(); c++) {
                char ch = d.charAt(c);
                if (ch < '0' || ch > '9') return null;
                v = v * 10 + (ch - '0');
            }
            ip[k] = (byte) v;
        }
        return ip;
    }
}
