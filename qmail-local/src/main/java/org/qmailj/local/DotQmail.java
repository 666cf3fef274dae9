package org.qmailj.local;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Optional;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.users.DotQmailNames;
import org.qmailj.common.users.HomeFiles;

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

    /** A .qmail file found: its name (qmail's bytes), contents, whether it has the x bit, and DEFAULT if any. */
    public record Found(String name, byte[] contents, boolean executable, String defaultPart) {
    }

    private DotQmail() {
    }

    /** safeext: lower case, dots to colons. */
    public static String safeExt(String ext) {
        return DotQmailNames.safeExt(ext);
    }

    public static Optional<Found> search(Path home, String dash, String ext) throws LocalFailure {
        for (DotQmailNames.Candidate c : DotQmailNames.candidates(dash, ext)) {
            String name = ".qmail" + c.suffix();
            Optional<Found> found = HomeFiles.needsBytes(name) ? openBytes(home, name) : open(home.resolve(name));
            if (found.isEmpty()) continue;
            int d = c.defaultStart();
            String def = d >= 0 && d <= ext.length() ? ext.substring(d) : null;
            Found x = found.get();
            return Optional.of(new Found(x.name(), x.contents(), x.executable(), def));
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
        return Optional.of(new Found(f.getFileName().toString(), contents, (mode & 0100) != 0, null));
    }

    /** {@link #open} for a name with bytes above 127 (a UTF-8 extension), through openat(2). */
    private static Optional<Found> openBytes(Path home, String name) throws LocalFailure {
        Optional<HomeFiles.Contents> c;
        try {
            c = HomeFiles.readRegular(home, name);
        } catch (SysException e) {
            if (e.errno() == Errno.EACCES) throw LocalFailure.temp("Unable to open " + name + ": access denied. (#4.3.0)");
            throw LocalFailure.temp("Unable to open " + name + ": " + LocalFailure.reason(e) + ". (#4.3.0)");
        }
        if (c.isEmpty()) return Optional.empty();
        if ((c.get().mode() & PATRN) != 0) {
            throw LocalFailure.temp("Uh-oh: .qmail file is writable. (#4.7.0)");
        }
        return Optional.of(new Found(name, c.get().bytes(), (c.get().mode() & 0100) != 0, null));
    }

    /** True when .qmail + dash + safeext + suffix exists (qmail's qmeox). */
    public static boolean exists(Path home, String dash, String ext, String suffix) {
        String name = ".qmail" + dash + safeExt(ext) + suffix;
        if (HomeFiles.needsBytes(name)) {
            try {
                return HomeFiles.stat(home, name, true).isPresent() || HomeFiles.stat(home, name, false).isPresent();
            } catch (SysException e) {
                return false; // as Files.exists: cannot tell is "no"
            }
        }
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
