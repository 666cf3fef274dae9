package org.qmailj.local;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Optional;
import org.qmailj.common.users.DotQmailNames;

/**
 * Finding the .qmail file that controls an address (dot-qmail(5)), in {@link DotQmailNames}'
 * order: {@code .qmail} + dash + ext (dots replaced by colons, lower-cased), then the
 * {@code -default} files from the most to the least specific. A file found but
 * world-writable (qmail's conf-patrn 002) is a temporary failure; a file that cannot be read
 * for a reason other than non-existence, too.
 */
public final class DotQmail {
    /** qmail's conf-patrn: stat bits not allowed on the home directory and .qmail files. */
    public static final int PATRN = 0002;

    /** A .qmail file found: its contents, whether it has the x bit, and DEFAULT if any. */
    public record Found(Path file, byte[] contents, boolean executable, String defaultPart) {
    }

    private DotQmail() {
    }

    /** safeext: lower case, dots to colons. */
    public static String safeExt(String ext) {
        return DotQmailNames.safeExt(ext);
    }

    public static Optional<Found> search(Path home, String dash, String ext) throws LocalFailure {
        for (DotQmailNames.Candidate c : DotQmailNames.candidates(dash, ext)) {
            Optional<Found> found = open(home.resolve(".qmail" + c.suffix()));
            if (found.isEmpty()) continue;
            int d = c.defaultStart();
            String def = d >= 0 && d <= ext.length() ? ext.substring(d) : null;
            Found x = found.get();
            return Optional.of(new Found(x.file(), x.contents(), x.executable(), def));
        }
        return Optional.empty();
    }

    private static Optional<Found> open(Path f) throws LocalFailure {
        byte[] contents;
        PosixFileAttributes st;
        try {
            st = Files.readAttributes(f, PosixFileAttributes.class);
            if (!st.isRegularFile()) return Optional.empty();
            contents = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (AccessDeniedException e) {
            throw LocalFailure.temp("Unable to open " + f.getFileName() + ": access denied. (#4.3.0)");
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Not a directory")) return Optional.empty();
            throw LocalFailure.temp("Unable to open " + f.getFileName() + ": "
                    + LocalFailure.reason(e) + ". (#4.3.0)");
        }
        int mode = mode(f);
        if ((mode & PATRN) != 0) {
            throw LocalFailure.temp("Uh-oh: .qmail file is writable. (#4.7.0)");
        }
        return Optional.of(new Found(f, contents, (mode & 0100) != 0, null));
    }

    /** True when .qmail + dash + safeext + suffix exists (qmail's qmeox). */
    public static boolean exists(Path home, String dash, String ext, String suffix) {
        return Files.exists(home.resolve(".qmail" + dash + safeExt(ext) + suffix), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(home.resolve(".qmail" + dash + safeExt(ext) + suffix));
    }

    static int mode(Path p) throws LocalFailure {
        try {
            return (Integer) Files.getAttribute(p, "unix:mode");
        } catch (IOException e) {
            throw LocalFailure.temp("Unable to stat " + p.getFileName() + ": " + LocalFailure.reason(e) + ". (#4.3.0)");
        }
    }
}
