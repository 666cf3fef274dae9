package org.qmailj.remote;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.io.IOException;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Set;

/**
 * The addresses of this host, as qmail's ipme: every address of every interface, plus
 * 0.0.0.0 and :: ("this host", RFC 1122 3.2.1.3, as netqmail added). qmail-remote uses it to
 * spot MX records that point back at us. The set is read again when it is a minute old, so a
 * long-lived qmail-rspawn notices new addresses. Thread-safe.
 */
public final class Ipme {
    private static final long REFRESH_NANOS = 60_000_000_000L;

    private volatile Set<InetAddress> addresses;
    private volatile long readAt;

    public boolean isMe(InetAddress ip) throws IOException {
        Set<InetAddress> a = addresses;
        long now = System.nanoTime();
        if (a == null || now - readAt > REFRESH_NANOS) {
            a = read();
            addresses = a;
            readAt = now;
        }
        return a.contains(ip);
    }

    private static Set<InetAddress> read() throws IOException {
        Set<InetAddress> s = new HashSet<>();
        try {
            s.add(InetAddress.getByAddress(new byte[4]));
            s.add(InetAddress.getByAddress(new byte[16]));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
        Enumeration<NetworkInterface> ifs = NetworkInterface.getNetworkInterfaces();
        while (ifs != null && ifs.hasMoreElements()) {
            NetworkInterface nif = ifs.nextElement();
            Enumeration<InetAddress> as = nif.getInetAddresses();
            while (as.hasMoreElements()) {
                InetAddress a = as.nextElement();
                // Compare without scope ids: DNS answers carry none.
                s.add(InetAddress.getByAddress(a.getAddress()));
            }
        }
        return Set.copyOf(s);
    }
}
