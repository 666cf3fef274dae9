package org.qmailj.remote;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * control/tlsdestinations, the TLS patch's file, one entry a line:
 * <pre>
 *   host:cafile[:ciphers[:verifydepth]]   TLS required, certificate verified against cafile
 *   host:-  (or host:)                    TLS required, verified against the JDK trust store
 *   host:none                             TLS required, certificate not checked
 *   !host                                 never STARTTLS with host
 * </pre>
 * host is a name ({@code mx.example.com}), a suffix ({@code .example.com}: every name under
 * it) or {@code *} (every host). A relative cafile is taken from the control directory.
 * ciphers are JDK cipher suite names separated by commas or spaces. Lines starting with
 * {@code #} and malformed lines are ignored, as qmail's constmaps ignore lines without a
 * colon. Names are compared in ASCII lower case.
 */
public final class TlsDestinations {
    public static final TlsDestinations NONE = new TlsDestinations(Map.of());
    static final String SOURCE = "control/tlsdestinations";

    private final Map<String, TlsPolicy> entries;

    private TlsDestinations(Map<String, TlsPolicy> entries) {
        this.entries = entries;
    }

    public static TlsDestinations parse(List<String> lines, Path controlDir) {
        Map<String, TlsPolicy> m = new HashMap<>();
        for (String line : lines) {
            entry(line, controlDir).ifPresent(e -> m.putIfAbsent(e.host(), e.policy()));
        }
        return new TlsDestinations(Map.copyOf(m));
    }

    /** One line's entry: the host (lower case; {@code .suffix} or {@code *} as written) and its policy. */
    public record Entry(String host, TlsPolicy policy) {
    }

    /**
     * One line as qmail-remote reads it; empty for a comment or a line it ignores. The first
     * entry for a host wins. qmail-showctl explains the file through this.
     */
    public static Optional<Entry> entry(String line, Path controlDir) {
        if (line.isEmpty() || line.startsWith("#")) return Optional.empty();
        if (line.startsWith("!")) {
            String host = lower(line.substring(1).trim());
            return host.isEmpty() ? Optional.empty()
                    : Optional.of(new Entry(host, new TlsPolicy(TlsPolicy.Mode.SKIP, null, List.of(), 0, SOURCE)));
        }
        String[] f = line.split(":", -1);
        if (f.length < 2 || f[0].trim().isEmpty()) return Optional.empty();
        String ca = f[1].trim();
        List<String> ciphers = f.length > 2
                ? Arrays.stream(f[2].split("[,\\s]+")).filter(c -> !c.isEmpty()).toList() : List.of();
        int depth = 0;
        if (f.length > 3 && f[3].trim().matches("[0-9]{1,4}")) depth = Integer.parseInt(f[3].trim());
        TlsPolicy p;
        if (ca.equals("none")) {
            p = new TlsPolicy(TlsPolicy.Mode.REQUIRE, null, ciphers, 0, SOURCE);
        } else {
            Path cafile = ca.isEmpty() || ca.equals("-") ? null : controlDir.resolve(ca);
            p = new TlsPolicy(TlsPolicy.Mode.VERIFY, cafile, ciphers, depth, SOURCE);
        }
        return Optional.of(new Entry(lower(f[0].trim()), p));
    }

    /**
     * The entry for a connection: the TLS patch's lookup of the server's name (exact, then
     * each {@code .suffix}), then the same for the destination domain, then {@code *};
     * empty when nothing matches.
     */
    Optional<TlsPolicy> lookup(String serverName, String domain) {
        Optional<TlsPolicy> p = named(serverName);
        if (p.isEmpty()) p = named(domain);
        if (p.isEmpty()) p = Optional.ofNullable(entries.get("*"));
        return p;
    }

    /** An entry for this name itself or a suffix of it (not {@code *}). */
    Optional<TlsPolicy> named(String name) {
        if (name == null || name.isEmpty()) return Optional.empty();
        String n = lower(name);
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        TlsPolicy p = entries.get(n);
        if (p != null) return Optional.of(p);
        for (int i = n.indexOf('.'); i >= 0; i = n.indexOf('.', i + 1)) {
            p = entries.get(n.substring(i));
            if (p != null) return Optional.of(p);
        }
        return Optional.empty();
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
