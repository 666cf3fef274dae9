package org.qmailj.remote.dkim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.qmailj.common.control.ControlException;

/**
 * The signing keys of {@code control/dkim}: one file per key, named {@code DOMAIN.SELECTOR}
 * (the selector is the part after the last dot, so selectors have no dots). Names starting
 * with a dot (temporary files) and names without a dot are ignored; any other file must be a
 * valid key, else the controls cannot be read (qmail-remote defers rather than send mail
 * unsigned that the administrator meant to sign). A domain may have several keys (an RSA and
 * an Ed25519 one, as RFC 8463 advises): each gives one signature, in selector order.
 */
public final class DkimKeys {
    public static final DkimKeys NONE = new DkimKeys(Map.of());

    static final Pattern SELECTOR = Pattern.compile("[A-Za-z0-9_-]{1,63}");
    static final Pattern DOMAIN = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))*");

    private final Map<String, List<DkimKey>> byDomain;

    private DkimKeys(Map<String, List<DkimKey>> byDomain) {
        this.byDomain = byDomain;
    }

    public static DkimKeys of(List<DkimKey> keys) {
        Map<String, List<DkimKey>> m = new TreeMap<>();
        for (DkimKey k : keys) m.computeIfAbsent(k.domain(), d -> new ArrayList<>()).add(k);
        m.values().forEach(l -> l.sort(java.util.Comparator.comparing(DkimKey::selector)));
        return new DkimKeys(m);
    }

    /**
     * What a file name in control/dkim is: DOMAIN.SELECTOR (the selector is what follows the
     * last dot, the domain is lower-cased), {@link #IGNORED} (a dotfile, or no dot at all) or
     * {@link #BAD} (a name that makes the controls unreadable). qmail-showctl uses it too.
     */
    public record Name(String domain, String selector) {
        public static final Name IGNORED = new Name("", "");
        public static final Name BAD = new Name("", "");
        public static final String BAD_TEXT = "not DOMAIN.SELECTOR (a selector is letters, digits, - and _)";

        public static Name of(String file) {
            int dot = file.lastIndexOf('.');
            if (file.startsWith(".") || dot < 0) return IGNORED;
            String domain = file.substring(0, dot).toLowerCase(Locale.ROOT);
            String selector = file.substring(dot + 1);
            if (!DOMAIN.matcher(domain).matches() || !SELECTOR.matcher(selector).matches()) return BAD;
            return new Name(domain, selector);
        }
    }

    /** Reads the directory; no directory means no keys. */
    public static DkimKeys load(Path dir) throws ControlException {
        List<DkimKey> keys = new ArrayList<>();
        Map<Path, Parsed> seen = new HashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Name n = Name.of(f.getFileName().toString());
                if (n == Name.IGNORED) continue;
                if (n == Name.BAD) throw new ControlException(f + ": " + Name.BAD_TEXT);
                keys.add(read(f, n.domain(), n.selector(), seen));
            }
        } catch (NoSuchFileException e) {
            forgetOthers(dir, seen);
            return NONE;
        } catch (ControlException e) {
            throw e;
        } catch (IOException e) {
            throw new ControlException(dir + ": unable to read: " + e.getMessage(), e);
        }
        forgetOthers(dir, seen);
        return keys.isEmpty() ? NONE : of(keys);
    }

    /** A key file as last parsed: qmail-rspawn re-reads the controls every second, keys are parsed again only when changed. */
    private record Parsed(FileTime modified, long size, Object fileKey, DkimKey key) {
    }

    private static final Map<Path, Parsed> parsed = new java.util.concurrent.ConcurrentHashMap<>();

    /** Drops what is cached of the keys of dir that are gone. */
    private static void forgetOthers(Path dir, Map<Path, Parsed> seen) {
        parsed.keySet().removeIf(p -> dir.equals(p.getParent()) && !seen.containsKey(p));
    }

    private static DkimKey read(Path f, String domain, String selector, Map<Path, Parsed> seen) throws ControlException {
        try {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            Parsed p = parsed.get(f);
            if (p == null || !p.modified().equals(a.lastModifiedTime()) || p.size() != a.size()
                    || !java.util.Objects.equals(p.fileKey(), a.fileKey())) {
                String pem = Files.readString(f, StandardCharsets.ISO_8859_1);
                try {
                    p = new Parsed(a.lastModifiedTime(), a.size(), a.fileKey(), DkimKey.parse(domain, selector, pem));
                } catch (GeneralSecurityException e) {
                    throw new ControlException(f + ": not a usable DKIM key: " + e.getMessage(), e);
                }
            } else if (!Files.isReadable(f)) {
                throw new ControlException(f + ": unable to read: permission denied");
            }
            seen.put(f, p);
            parsed.put(f, p);
            return p.key();
        } catch (ControlException e) {
            throw e;
        } catch (IOException e) {
            throw new ControlException(f + ": unable to read: " + e.getMessage(), e);
        }
    }

    public boolean isEmpty() {
        return byDomain.isEmpty();
    }

    /**
     * The keys that sign for a From: domain: those of the domain itself, else those of the
     * nearest parent domain that has any (a key for example.com signs mail from
     * news.example.com, which DMARC's relaxed alignment accepts). Empty when none.
     */
    public List<DkimKey> forDomain(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        while (true) {
            List<DkimKey> k = byDomain.get(d);
            if (k != null) return List.copyOf(k);
            int dot = d.indexOf('.');
            if (dot < 0) return List.of();
            d = d.substring(dot + 1);
        }
    }

    @Override
    public String toString() {
        return "DkimKeys" + byDomain.values();
    }
}
