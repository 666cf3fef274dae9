package org.qmailj.common.address;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A case-insensitive lookup table built from control-file lines, as qmail's constmap:
 * keys compare without regard to ASCII case; with a colon split the key is the text before
 * the first {@code :} and the value the rest, lines without a colon are ignored; when a key
 * repeats, the last line wins. Immutable and thread-safe.
 */
public final class ConstMap {
    private final Map<String, String> map;

    private ConstMap(Map<String, String> map) {
        this.map = map;
    }

    /** A set: every line is a key (locals, rcpthosts, percenthack). */
    public static ConstMap ofKeys(List<String> lines) {
        Map<String, String> m = new HashMap<>();
        for (String l : lines) m.put(Address.lowerAscii(l), "");
        return new ConstMap(m);
    }

    /** A map split at the first colon (virtualdomains, smtproutes). */
    public static ConstMap ofColonLines(List<String> lines) {
        Map<String, String> m = new HashMap<>();
        for (String l : lines) {
            int colon = l.indexOf(':');
            if (colon < 0) continue;
            m.put(Address.lowerAscii(l.substring(0, colon)), l.substring(colon + 1));
        }
        return new ConstMap(m);
    }

    public boolean contains(String key) {
        return map.containsKey(Address.lowerAscii(key));
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(map.get(Address.lowerAscii(key)));
    }

    public int size() {
        return map.size();
    }
}
