package org.qmailj.tcpserver;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qmailj.common.cdb.Cdb;

/**
 * The rules of a tcprules cdb as tcpserver follows them (tcprules(1) ADDRESSES): the first
 * key found among INFO@IP, INFO@=HOST, IP, =HOST, shorter and shorter IP prefixes ending in a
 * dot, =suffixes of HOST starting with a dot, = (when HOST is known), and the empty key.
 * The data is a series of NUL-terminated entries: {@code D} denies, {@code +VAR=value} sets
 * a variable.
 */
public final class Rules {
    private Rules() { }

    /** What to do with one connection: deny it, or allow it with these variables (in order). */
    public record Decision(boolean deny, Map<String, String> env, Optional<String> key) {
        public static final Decision DEFAULT_ALLOW = new Decision(false, Map.of(), Optional.empty());
    }

    /** The keys tried, in order. */
    public static List<String> keys(String ip, String host, String info) {
        List<String> keys = new ArrayList<>();
        if (info != null) {
            keys.add(info + "@" + ip);
            if (host != null) keys.add(info + "@=" + host);
        }
        keys.add(ip);
        if (host != null) keys.add("=" + host);
        for (int len = ip.length(); len > 0; len--) {
            if (ip.charAt(len - 1) == '.') keys.add(ip.substring(0, len));
        }
        if (host != null) {
            for (int i = 0; i < host.length(); i++) {
                if (host.charAt(i) == '.') keys.add("=" + host.substring(i));
            }
            keys.add("=");
        }
        keys.add("");
        return keys;
    }

    public static Decision decide(Cdb cdb, String ip, String host, String info) {
        for (String key : keys(ip, host, info)) {
            Optional<byte[]> data = cdb.find(key.getBytes(StandardCharsets.ISO_8859_1));
            if (data.isPresent()) return parse(data.get(), key);
        }
        return Decision.DEFAULT_ALLOW;
    }

    /** tcpserver's found(): each complete NUL-terminated entry; a trailing partial one is ignored. */
    static Decision parse(byte[] data, String key) {
        boolean deny = false;
        Map<String, String> env = new LinkedHashMap<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] != 0) continue;
            String entry = new String(data, start, i - start, StandardCharsets.ISO_8859_1);
            start = i + 1;
            if (entry.startsWith("D")) {
                deny = true;
            } else if (entry.startsWith("+")) {
                int eq = entry.indexOf('=');
                if (eq > 0) env.put(entry.substring(1, eq), entry.substring(eq + 1));
            }
        }
        return new Decision(deny, env, Optional.of(key));
    }
}
