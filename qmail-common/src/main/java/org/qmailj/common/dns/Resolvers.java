package org.qmailj.common.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;

/**
 * The dnsjava resolver the environment asks for, shared by qmail-remote and rblsmtpd:
 * <ul>
 *   <li>{@code QMAIL_DNS_SERVER} (environment) or {@code -Dqmail.dns.server}: {@code host},
 *       {@code host:port} or {@code [v6addr]:port}; the tests point it at a dnsmasq;</li>
 *   <li>otherwise the name servers of /etc/resolv.conf (dnsjava's ResolverConfig).</li>
 * </ul>
 * {@code QMAIL_DNS_TIMEOUT} / {@code -Dqmail.dns.timeout}: seconds to wait for an answer
 * (default 10).
 */
public final class Resolvers {
    private Resolvers() {
    }

    /** A new resolver as the environment says; a malformed setting is an IllegalArgumentException. */
    public static Resolver fromEnvironment() {
        quietLogging();
        String server = setting("qmail.dns.server", "QMAIL_DNS_SERVER");
        String t = setting("qmail.dns.timeout", "QMAIL_DNS_TIMEOUT");
        Resolver r;
        try {
            r = server == null ? new ExtendedResolver() : new SimpleResolver(socketAddress(server));
            r.setTimeout(Duration.ofSeconds(t == null ? 10 : Long.parseLong(t.trim())));
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("QMAIL_DNS_SERVER/QMAIL_DNS_TIMEOUT: " + e.getMessage(), e);
        }
        return r;
    }

    /** dnsjava logs through slf4j: keep any "no provider" notice off stderr (fd 2 may be fd 1). */
    private static void quietLogging() {
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        }
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isEmpty()) v = System.getenv(env);
        return v == null || v.isEmpty() ? null : v;
    }

    /** {@code host}, {@code host:port} or {@code [v6addr]:port}; port 53 when none is given. */
    public static InetSocketAddress socketAddress(String s) throws UnknownHostException {
        String host = s;
        int port = 53;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) throw new UnknownHostException(s);
            host = s.substring(1, close);
            if (close + 1 < s.length() && s.charAt(close + 1) == ':') port = Integer.parseInt(s.substring(close + 2));
        } else if (s.indexOf(':') == s.lastIndexOf(':') && s.indexOf(':') >= 0) {
            host = s.substring(0, s.indexOf(':'));
            port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
        }
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }
}
