package org.qmailj.smtpd;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.qmailj.common.address.Address;
import org.qmailj.common.address.ConstMap;
import org.qmailj.common.cdb.Cdb;
import org.qmailj.common.control.ControlDir;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.control.FileStamp;

/**
 * rcpthosts and morercpthosts.cdb as qmail's rcpthosts.c reads them. Without rcpthosts every
 * recipient is allowed (and morercpthosts.cdb is not read). An address without {@code @} is
 * always allowed. Otherwise the domain, lower-cased, and each of its suffixes starting with a
 * dot are looked up in rcpthosts, then in morercpthosts.cdb. Immutable; any thread.
 */
public record RcptHosts(Optional<ConstMap> rcpthosts, Optional<Cdb> morercpthosts) {

    public static final RcptHosts ALLOW_ALL = new RcptHosts(Optional.empty(), Optional.empty());

    public static RcptHosts load(ControlDir control) throws ControlException {
        Optional<List<String>> rh = control.optionalList("rcpthosts");
        if (rh.isEmpty()) return ALLOW_ALL;
        if (!control.exists("morercpthosts.cdb")) return new RcptHosts(rh.map(KEYS::of), Optional.empty());
        return new RcptHosts(rh.map(KEYS::of), morercpthosts(control.file("morercpthosts.cdb")));
    }

    private static final ControlKeys KEYS = new ControlKeys();

    private record Cached(Path file, FileStamp stamp, Cdb cdb) { }

    private static volatile Cached cached;

    /**
     * The cdb, reread only when its {@link FileStamp} changes: qmail-newmrh renames a new
     * file into place, so sessions of one tcpserver share one copy until then.
     */
    private static Optional<Cdb> morercpthosts(Path file) throws ControlException {
        try {
            long now = System.currentTimeMillis();
            FileStamp s = FileStamp.of(file);
            if (s == null) return Optional.empty();
            Cached c = cached;
            if (c != null && c.file().equals(file) && c.stamp().equals(s)) return Optional.of(c.cdb());
            Cdb cdb = Cdb.open(file);
            cached = s.trusted(now) ? new Cached(file, s, cdb) : null;
            return Optional.of(cdb);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ControlException("unable to read control/morercpthosts.cdb", e);
        }
    }

    /** Whether {@code address} (after RELAYCLIENT is ruled out) may be a recipient here. */
    public boolean allows(String address) {
        if (rcpthosts.isEmpty()) return true;
        int at = address.lastIndexOf('@');
        if (at < 0) return true;
        String host = Address.lowerAscii(address.substring(at + 1));
        for (int j = 0; j < host.length(); j++) {
            if (j == 0 || host.charAt(j) == '.') {
                if (rcpthosts.get().contains(host.substring(j))) return true;
            }
        }
        if (morercpthosts.isPresent()) {
            for (int j = 0; j < host.length(); j++) {
                if (j == 0 || host.charAt(j) == '.') {
                    if (morercpthosts.get().find(host.substring(j)).isPresent()) return true;
                }
            }
        }
        return false;
    }
}
