package org.qmailj.lspawn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.qmailj.common.address.Address;
import org.qmailj.common.sys.Passwd;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.users.LocalUsers;
import org.qmailj.common.users.LookupFailure;
import org.qmailj.common.users.Nughde;
import org.qmailj.common.users.UsersCdb;

/**
 * qmail-lspawn's user lookups ({@link LocalUsers}) remembered per local part. A lookup through
 * qmail-getpw's rules costs a getpwnam (nsswitch.conf, then /etc/passwd opened, stat'ed, read:
 * six system calls) per candidate name and a sandbox lookup reads lib/ids and
 * control/sandboxhome; a remembered answer costs a stat of users/cdb and of /etc/passwd (and
 * of control/sandboxhome in a sandbox install), plus, for a qmail-getpw user, the stat of the
 * home that qmail-getpw makes every time (the home must still be owned by the user). An
 * answer users/cdb gave depends on that file alone, so it costs the stat of users/cdb only.
 *
 * <p>Everything remembered is forgotten when users/cdb, /etc/passwd or control/sandboxhome
 * changes (inode, size or mtime: qmail-newu and the passwd tools replace the file), and an
 * answer is kept at most {@link #TTL_NANOS} (passwd entries from an NSS source other than
 * files). An answer qmail-getpw gave after passing over an account for its home (a longer
 * prefix of the address names an account whose home it does not own) is not remembered: that
 * home could change without any of those files changing. Failures are never remembered.
 * lib/ids is read once per answer, as C qmail compiles its ids in.
 *
 * <p>Threads: called from the delivery threads at once; the map is guarded by this.
 */
final class UserCache {
    static final long TTL_NANOS = 60_000_000_000L;
    /** Most answers kept; when full, all are dropped (addresses are many only under a flood). */
    static final int MAX_ENTRIES = 4096;

    private record Stamp(Object key, long size, long mtimeNanos) {
        static final Stamp MISSING = new Stamp(null, -1, -1);
    }

    /**
     * @param homeOwner the uid the home must still have, or -1 when no home is checked
     * @param fromCdb whether users/cdb gave it (then passwd and sandboxhome do not matter)
     */
    private record Entry(Nughde user, int homeOwner, long bornNanos, boolean fromCdb) {
    }

    private final LocalUsers users;
    private final Path usersCdb;
    private final Path passwd;
    private final Path sandboxHome;
    private final Map<String, Entry> entries = new HashMap<>();
    private Stamp cdbStamp;
    private Stamp passwdStamp;
    private Stamp sandboxStamp;

    UserCache(LocalUsers users, Path passwd) {
        this.users = users;
        this.usersCdb = users.home().users().resolve("cdb");
        this.passwd = passwd;
        this.sandboxHome = users.sandbox() ? users.home().root().resolve("control/sandboxhome") : null;
    }

    Nughde lookup(String local) throws LookupFailure {
        Stamp cdb = stamp(usersCdb);
        long born = System.nanoTime();
        synchronized (this) {
            if (!Objects.equals(cdb, cdbStamp)) {
                entries.clear();
                cdbStamp = cdb;
            }
            Entry e = entries.get(local);
            if (e != null && e.fromCdb() && born - e.bornNanos() < TTL_NANOS) return e.user();
        }
        Stamp pw = stamp(passwd);
        Stamp sb = sandboxHome == null ? null : stamp(sandboxHome);
        long now = System.nanoTime();
        Entry e;
        synchronized (this) {
            if (!Objects.equals(cdb, cdbStamp) || !Objects.equals(pw, passwdStamp) || !Objects.equals(sb, sandboxStamp)) {
                entries.clear();
                cdbStamp = cdb;
                passwdStamp = pw;
                sandboxStamp = sb;
            }
            e = entries.get(local);
        }
        if (e != null && now - e.bornNanos() < TTL_NANOS && (e.homeOwner() < 0 || ownerOf(e.user().homedir()) == e.homeOwner())) {
            return e.user();
        }
        Entry fresh = answer(local, now);
        synchronized (this) {
            // Kept only if the files it was read from are still the ones stamped above.
            if (Objects.equals(cdb, cdbStamp) && Objects.equals(pw, passwdStamp) && Objects.equals(sb, sandboxStamp)) {
                if (fresh.homeOwner() != Integer.MIN_VALUE) {
                    if (entries.size() >= MAX_ENTRIES) entries.clear();
                    entries.put(local, fresh);
                } else {
                    entries.remove(local);
                }
            }
        }
        return fresh.user();
    }

    /** A full lookup; homeOwner MIN_VALUE marks an answer not to remember. */
    private Entry answer(String local, long now) throws LookupFailure {
        Optional<Nughde> fromCdb = UsersCdb.lookup(usersCdb, local);
        if (fromCdb.isPresent()) return new Entry(fromCdb.get(), -1, now, true);
        Nughde n = users.lookup(local);
        if (users.sandbox()) return new Entry(n, -1, now, false);
        boolean alias = n.dash().equals("-") && n.ext().equals(local);
        int chosen = alias ? 0 : n.ext().isEmpty() && n.dash().isEmpty() ? local.length() : local.length() - n.ext().length() - 1;
        if (passedOver(local, chosen)) return new Entry(n, Integer.MIN_VALUE, now, false);
        return new Entry(n, alias ? -1 : n.uid(), now, false);
    }

    /**
     * True when a prefix of {@code local} longer than {@code chosen} that qmail-getpw tries
     * (ending at the end or at a dash, shorter than 32) names an account with a nonzero uid:
     * qmail-getpw passed over it for its home.
     */
    private static boolean passedOver(String local, int chosen) throws LookupFailure {
        for (int s = local.length(); s > chosen; s--) {
            if (s >= 32 || (s != local.length() && local.charAt(s) != '-')) continue;
            String name = Address.lowerAscii(local.substring(0, s));
            if (name.isEmpty()) continue;
            try {
                Optional<Passwd.PasswdEntry> pw = Passwd.getpwnam(name);
                if (pw.isPresent() && pw.get().uid() != 0) return true;
            } catch (SysException e) {
                throw new LookupFailure(LookupFailure.Cause.SYS);
            }
        }
        return false;
    }

    /** The owner of a home, as qmail-getpw stats it; -2 when it cannot be stat'ed. */
    private static int ownerOf(String home) {
        try {
            return (Integer) Files.getAttribute(Path.of(home), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return -2;
        }
    }

    private static Stamp stamp(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return new Stamp(a.fileKey(), a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS));
        } catch (NoSuchFileException e) {
            return Stamp.MISSING;
        } catch (IOException e) {
            // Cannot tell: a stamp equal to no other, so nothing remembered is used.
            return new Stamp(new Object(), -1, -1);
        }
    }
}
