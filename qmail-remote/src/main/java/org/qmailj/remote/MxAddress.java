package org.qmailj.remote;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * One address to try, with the preference of the MX record that named it (0 for an address
 * found without MX records, as qmail's ipalloc entries) and the name it was found under (the
 * MX host, or the host itself without MX records; null for an IP literal), which TLS checks
 * the certificate against and MTA-STS matches.
 */
public record MxAddress(int pref, InetAddress ip, String name) {

    public MxAddress(int pref, InetAddress ip) {
        this(pref, ip, null);
    }

    /** The address as qmail-remote prints it: dotted quad, or RFC 5952 text for IPv6. */
    public String text() {
        return format(ip);
    }

    public static String format(InetAddress ip) {
        if (ip instanceof Inet4Address) return ip.getHostAddress();
        byte[] a = ip.getAddress();
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) w[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        // The longest run of two or more zero words becomes "::" (the first such run on a tie).
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) j++;
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLen - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') b.append(':');
            b.append(Integer.toHexString(w[i]));
        }
        return b.toString();
    }

    /** An IP literal as qmail accepts it for a host: {@code 1.2.3.4}, {@code [1.2.3.4]}, {@code [::1]}, {@code [IPv6:::1]}. */
    public static InetAddress literal(String host) {
        String s = host;
        boolean bracket = s.length() > 2 && s.charAt(0) == '[' && s.charAt(s.length() - 1) == ']';
        if (bracket) {
            s = s.substring(1, s.length() - 1);
            if (s.regionMatches(true, 0, "IPv6:", 0, 5)) s = s.substring(5);
            if (s.indexOf(':') >= 0) return ipv6(s);
        }
        return ipv4(s);
    }

    private static InetAddress ipv4(String s) {
        String[] p = s.split("\\.", -1);
        if (p.length != 4) return null;
        byte[] a = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (p[i].isEmpty() || p[i].length() > 3) return null;
            int v = 0;
            for (char c : p[i].toCharArray()) {
                if (c < '0' || c > '9') return null;
                v = v * 10 + (c - '0');
            }
            if (v > 255) return null;
            a[i] = (byte) v;
        }
        try {
            return InetAddress.getByAddress(a);
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    private static InetAddress ipv6(String s) {
        for (char c : s.toCharArray()) {
            if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) return null;
        }
        try {
            InetAddress a = InetAddress.ofLiteral(s);
            return a instanceof Inet6Address || a instanceof Inet4Address ? a : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
