package org.qmailj.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * QMAIL_HOME/lib/installed: what the system-MTA install added outside QMAIL_HOME, one
 * {@code kind path} line each (kinds: file, link, moved (a file kept aside: path then its
 * new name), user, group, dir; after an upgrade from netqmail also upgraded (netqmail's bin/ or
 * man/, then where it was renamed) and rewrote (a run script, then its saved original)), so
 * that uninstall (or rollback) removes exactly that and nothing else. Rewritten atomically after every change.
 */
final class Manifest {
    private final Path file;
    private final Set<String> lines = new LinkedHashSet<>();

    private Manifest(Path file) { this.file = file; }

    static Manifest load(Path home) throws IOException {
        Manifest m = new Manifest(home.resolve("lib").resolve("installed"));
        try {
            for (String l : Files.readAllLines(m.file, StandardCharsets.UTF_8)) if (!l.isBlank()) m.lines.add(l);
        } catch (NoSuchFileException e) {
            // a first install
        }
        return m;
    }

    void add(String kind, String... values) throws IOException {
        if (lines.add(kind + " " + String.join(" ", values))) save();
    }

    boolean has(String kind, String value) {
        return lines.stream().anyMatch(l -> l.equals(kind + " " + value) || l.startsWith(kind + " " + value + " "));
    }

    boolean hasKind(String kind) {
        return lines.stream().anyMatch(l -> l.startsWith(kind + " "));
    }

    /** Entries newest first, the order uninstall undoes them in. */
    List<String[]> reversed() {
        List<String[]> out = new ArrayList<>();
        for (String l : lines) out.addFirst(l.split(" "));
        return out;
    }

    void remove(String[] entry) throws IOException {
        lines.remove(String.join(" ", entry));
        save();
    }

    private void save() throws IOException {
        Path tmp = file.resolveSibling("installed.new");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
