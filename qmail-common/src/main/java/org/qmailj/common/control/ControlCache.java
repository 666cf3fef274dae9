package org.qmailj.common.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Control files as last read, each checked with one stat before it is used again, so that
 * tcpserver's in-process qmail-smtpd does not open and read its ten control files for every
 * connection, yet still sees every change from the next connection on, as qmail does.
 *
 * <p>A file is read again when its device, inode, size, modification or status-change time
 * (nanoseconds) differ from what the stat before the last read said: an edit in place
 * changes the times, a rename into place the inode, a removal makes the stat fail (nothing
 * is kept for a missing file, so a file that appears is read at once). File times are
 * coarse (a clock tick, a second on some file systems), so an edit in the same tick as the
 * read could leave every field as it was: a file whose status-change time is not at least
 * {@link #TRUST_AFTER_NANOS} older than the stat is therefore read again every time until it
 * is (the "racy" rule of git's index). A file that cannot be read is an error every time;
 * files over {@link #MAX_BYTES} are not kept.
 *
 * <p>A file that is missing (no directory entry at all, not even a dangling symbolic link)
 * is remembered with the stamp of its directory, and a {@link View} (one per connection, see
 * {@link ControlDir#view}) stats the directory once: while the directory is unchanged no
 * file can have appeared in it, so the missing files of a connection cost that one stat
 * together instead of one each. The directory's stamp is taken before the file is found
 * missing, so a file created in between changes the directory after the stamp; the racy
 * rule applies to the directory too.
 *
 * <p>Thread-safe: entries are immutable and replaced whole.
 */
public final class ControlCache {
    static final long TRUST_AFTER_NANOS = FileStamp.TRUST_AFTER_NANOS;
    static final long MAX_BYTES = 1 << 20;

    static final ControlCache SHARED = new ControlCache();

    private sealed interface Known permits Entry, Missing { }

    /** A file's lines as {@link ControlFile} splits them, and the list-file lines among them. */
    private record Entry(FileStamp stamp, List<String> lines, List<String> kept) implements Known { }

    /** No such file while its directory has this stamp. */
    private record Missing(FileStamp dir) implements Known { }

    /**
     * One connection's look at control directories: each directory is stat'ed at most once,
     * when a file in it is first looked up. Used by one thread; made new for every connection,
     * so that it sees what changed before the connection.
     */
    public static final class View {
        private Path dir;
        private FileStamp stamp;
        private long takenAt;

        View() { }

        /** The stamp of {@code dir} as this view first saw it (null: not a directory we can stat). */
        private FileStamp dir(Path dir) throws ControlException {
            if (dir == null) return null;
            if (!dir.equals(this.dir)) {
                this.takenAt = System.currentTimeMillis();
                this.stamp = stamp(dir);
                this.dir = dir;
            }
            return stamp;
        }
    }

    private final Map<Path, Known> entries = new ConcurrentHashMap<>();

    /** Every line of {@code file}, trailing blanks removed; empty when the file does not exist. */
    Optional<List<String>> lines(Path file, View view) throws ControlException {
        return entry(file, view).map(Entry::lines);
    }

    /** The non-blank, non-comment lines; the same instance while the file stays unchanged. */
    Optional<List<String>> list(Path file, View view) throws ControlException {
        return entry(file, view).map(Entry::kept);
    }

    /** Whether {@code file} exists, as {@link #lines} would find it. */
    boolean exists(Path file, View view) throws ControlException {
        if (view != null && entries.get(file) instanceof Missing m && m.dir().equals(view.dir(file.getParent()))) {
            return false;
        }
        if (stamp(file) != null) return true;
        missing(file, view);
        return false;
    }

    /** Whether {@code file} is kept and would be answered from memory now (for tests). */
    boolean kept(Path file, View view) throws ControlException {
        Known k = entries.get(file);
        if (k instanceof Missing m) return view != null && m.dir().equals(view.dir(file.getParent()));
        return k instanceof Entry e && e.stamp().equals(stamp(file));
    }

    private Optional<Entry> entry(Path file, View view) throws ControlException {
        Known k = entries.get(file);
        if (view != null && k instanceof Missing m && m.dir().equals(view.dir(file.getParent()))) return Optional.empty();
        long now = System.currentTimeMillis();
        FileStamp s = stamp(file);
        if (s == null) {
            missing(file, view);
            return Optional.empty();
        }
        if (k instanceof Entry e && e.stamp().equals(s)) return Optional.of(e);
        Optional<List<String>> lines = ControlFile.readNow(file);
        if (lines.isEmpty()) {
            entries.remove(file);
            return Optional.empty();
        }
        Entry e = new Entry(s, lines.get(), kept(lines.get()));
        if (trusted(s, now) && s.size() <= MAX_BYTES) entries.put(file, e); else entries.remove(file);
        return Optional.of(e);
    }

    /**
     * {@code file} was not found: remembered as missing under the view's stamp of its
     * directory (taken before the check below) when it has no directory entry at all.
     */
    private void missing(Path file, View view) throws ControlException {
        FileStamp dir = view == null ? null : view.dir(file.getParent());
        if (dir != null && trusted(dir, view.takenAt) && !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            entries.put(file, new Missing(dir));
        } else {
            entries.remove(file);
        }
    }

    private static boolean trusted(FileStamp s, long nowMillis) {
        return s.trusted(nowMillis);
    }

    /** The file's stamp, or null when it does not exist. */
    private static FileStamp stamp(Path file) throws ControlException {
        try {
            return FileStamp.of(file);
        } catch (IOException e) {
            throw new ControlException("unable to read " + file + ": " + ControlFile.reason(e), e);
        }
    }

    private static List<String> kept(List<String> lines) {
        List<String> kept = new ArrayList<>(lines.size());
        for (String line : lines) {
            if (!line.isEmpty() && line.charAt(0) != '#') kept.add(line);
        }
        return List.copyOf(kept);
    }
}
