package org.qmailj.smtpd;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * qmail's ipme: the IPv4 addresses of this host's interfaces (loopback included), read once
 * per JVM and cached for a minute. Thread-safe.
 */
public final class IpMe implements Predicate<byte[]> {
    private static final IpMe INSTANCE = new IpMe();
    private volatile Set<String> addresses;
    private volatile long readAt;

    public static IpMe get() throws SocketException {
        INSTANCE.refresh();
        return INSTANCE;
    }

    private void refresh() throws SocketException {
        long now = System.nanoTime();
        if (addresses != null && now - readAt < 60_000_000_000L) return;
        Set<String> s = new HashSet<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address) s.add(Arrays.toString(a.getAddress()));
            }
        }
        addresses = Set.copyOf(s);
        readAt = now;
    }

    @Override
    public boolean test(byte[] ip) {
        return addresses.contains(Arrays.toString(ip));
    }
}
