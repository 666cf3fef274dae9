package org.qmailj.local;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Optional;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.Fd;
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

    /**
     * qmail's qmesearch: open the file (O_NONBLOCK, so a fifo does not hang the delivery) and
     * fstat the descriptor: a missing name costs one openat(2), where a stat, then an open and
     * read, then a stat for the mode cost three calls more for a file that is there.
     */
    private static Optional<Found> open(Path f) throws LocalFailure {
        String name = f.getFileName().toString();
        // Most names tried are not there: tryOpen answers that without an exception.
        int fd = Fd.tryOpen(f, Fd.O_RDONLY | Fd.O_NONBLOCK | Fd.O_NOCTTY, 0);
        if (fd < 0) {
            int errno = -fd;
            if (errno == Errno.ENOENT || errno == Errno.ENOTDIR || errno == Errno.ENXIO) return Optional.empty();
            throw LocalFailure.temp("Unable to open " + name + ": " + reason(Fd.openFailure(f, errno)) + ". (#4.3.0)");
        }
        try {
            Fd.Stat st = Fd.stat(fd);
            if (!st.isRegularFile()) return Optional.empty();
            if ((st.mode() & PATRN) != 0) throw LocalFailure.temp("Uh-oh: .qmail file is writable. (#4.7.0)");
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(st.size() + 1, 1 << 16));
            byte[] buf = new byte[(int) Math.min(Math.max(st.size() + 1, 512), 8192)];
            for (int n; (n = Fd.read(fd, buf, 0, buf.length)) > 0; ) out.write(buf, 0, n);
            return Optional.of(new Found(name, out.toByteArray(), (st.mode() & 0100) != 0, null));
        } catch (SysException e) {
            throw LocalFailure.temp("Unable to open " + name + ": " + reason(e) + ". (#4.3.0)");
        } finally {
            Fd.closeQuietly(fd);
        }
    }

    /** qmail's words for an errno: "access denied", else the C library's text. */
    private static String reason(SysException e) {
        if (e.errno() == Errno.EACCES) return "access denied";
        String m = LocalFailure.reason(e);
        int paren = m.lastIndexOf(" (errno ");
        return paren >= 0 ? m.substring(0, paren) : m;
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

    /**
     * True when .qmail + dash + safeext + suffix exists (qmail's qmeox): one lstat answers,
     * since a name that lstat does not find cannot be found by stat either; only when lstat
     * fails otherwise (EACCES, say) is the name tried with links followed.
     */
    public static boolean exists(Path home, String dash, String ext, String suffix) {
        String name = ".qmail" + dash + safeExt(ext) + suffix;
        if (HomeFiles.needsBytes(name)) {
            try {
                return HomeFiles.stat(home, name, true).isPresent() || HomeFiles.stat(home, name, false).isPresent();
            } catch (SysException e) {
                return false; // as Files.exists: cannot tell is "no"
            }
        }
        Path p = home.resolve(name);
        int rc = Fd.probe(p, true);
        if (rc == 0) return true;
        if (rc == -Errno.ENOENT) return false;
        return Fd.probe(p, false) == 0;
    }
}
