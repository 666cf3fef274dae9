package org.qmailj.common.control;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The control directory of one QMAIL_HOME, with the defaults of qmail-control(5).
 *
 * <p>Many files default to the contents of {@code control/me} ("me" in the man pages'
 * default column) and, when me is missing too, to a literal such as {@code bouncehost}.
 * Programs load what they need once into a record of their own and reload it on SIGHUP;
 * this class only reads (through {@link ControlCache}: each read sees the file as it is).
 * Any thread may use it, except one made by {@link #forConnection()}, which belongs to one thread.
 *
 * @param view null, or one connection's look at the directory ({@link #forConnection()})
 */
public record ControlDir(Path dir, ControlCache.View view) {

    public ControlDir(Path dir) {
        this(dir, null);
    }

    /**
     * This directory for one connection (one session's loading of its controls, on one
     * thread): the directory is stat'ed once, and the files missing from it then cost
     * nothing more while it is unchanged. Make one per connection, so that it sees every
     * change made before the connection.
     */
    public ControlDir forConnection() {
        return new ControlDir(dir, new ControlCache.View());
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    /** control/me, if present. */
    public Optional<String> me() throws ControlException {
        return ControlFile.readLine(file("me"), view);
    }

    /** A single-line file, or {@code def} when it is missing. */
    public String line(String name, String def) throws ControlException {
        return ControlFile.readLine(file(name), view).orElse(def);
    }

    /** A single-line file, or empty when it is missing. */
    public Optional<String> line(String name) throws ControlException {
        return ControlFile.readLine(file(name), view);
    }

    /**
     * A single-line file whose default is me: the file, else control/me, else {@code literal}
     * (qmail uses the file's own name, e.g. "bouncehost", which is rarely what anyone wants).
     */
    public String lineOrMe(String name, String literal) throws ControlException {
        Optional<String> v = ControlFile.readLine(file(name), view);
        if (v.isPresent()) return v.get();
        return me().orElse(literal);
    }

    /** A list file, or an empty list when it is missing. */
    public List<String> list(String name) throws ControlException {
        return optionalList(name).orElse(List.of());
    }

    /**
     * A list file, or empty when it is missing (not the same as an empty file for rcpthosts
     * and badmailfrom). An unchanged file gives the same list instance.
     */
    public Optional<List<String>> optionalList(String name) throws ControlException {
        return ControlFile.readList(file(name), view);
    }

    /** A list file whose default is the single entry me (locals, rcpthosts in some setups). */
    public Optional<List<String>> listOrMe(String name) throws ControlException {
        Optional<List<String>> v = ControlFile.readList(file(name), view);
        if (v.isPresent()) return v;
        return me().map(List::of);
    }

    /** An integer file, or {@code def} when it is missing; malformed is an error. */
    public long integer(String name, long def) throws ControlException {
        return ControlFile.readInt(file(name), view).orElse(def);
    }

    /** An integer file that must lie in [min, max]; outside is an error naming the file. */
    public long integer(String name, long def, long min, long max) throws ControlException {
        long v = integer(name, def);
        if (v < min || v > max) {
            throw new ControlException(file(name) + ": line 1: " + v + " is outside " + min + ".." + max);
        }
        return v;
    }

    /** Whether the file exists (a missing one costs nothing more in a {@link #forConnection()}). */
    public boolean exists(String name) throws ControlException {
        return ControlCache.SHARED.exists(file(name), view);
    }
}
