package org.qmailj.tcpserver;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.qmailj.common.cdb.Cdb;
import org.qmailj.common.control.FileStamp;

/**
 * The rules cdb of -x. ucspi-tcp opens it for every connection, so a new cdb (tcprules
 * renames it into place) counts from the next connection; here one stat per connection
 * tells whether the cdb read before is still the file's (its {@link FileStamp}), and it is
 * read and checked again only when not. Thread-safe.
 */
final class RulesFile {
    private record Opened(FileStamp stamp, Cdb cdb) { }

    private final Path path;
    private volatile Opened last;

    RulesFile(Path path) {
        this.path = path;
    }

    /** The cdb as the file is now; NoSuchFileException when there is none. */
    Cdb current() throws IOException {
        long now = System.currentTimeMillis();
        FileStamp s = FileStamp.of(path);
        if (s == null) {
            last = null;
            throw new NoSuchFileException(path.toString());
        }
        Opened o = last;
        if (o != null && o.stamp().equals(s)) return o.cdb();
        Cdb cdb = Cdb.open(path);
        // Read under a stamp taken before: a file replaced meanwhile differs from it next time.
        last = s.trusted(now) ? new Opened(s, cdb) : null;
        return cdb;
    }
}
