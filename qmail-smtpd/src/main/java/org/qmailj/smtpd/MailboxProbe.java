package org.qmailj.smtpd;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.users.DotQmailNames;
import org.qmailj.common.users.HomeFiles;
import org.qmailj.common.users.LocalUsers;
import org.qmailj.common.users.LookupFailure;
import org.qmailj.common.users.Nughde;

/**
 * Whether local delivery would bounce a local part for "no mailbox", decided as qmail-lspawn
 * and qmail-local decide it, without reading any file: the user in charge by
 * {@link LocalUsers} (users/cdb, then qmail-getpw's rules and the alias user), then, when its
 * dash is not empty, the first of {@link DotQmailNames}' .qmail files that is a regular file.
 * qmail-local bounces such an address only when none is; a bare user name is always
 * deliverable (its .qmail or the default delivery).
 *
 * <p>Everything qmail-lspawn or qmail-local would defer instead of bounce (a failed lookup,
 * uid 0, a home that is missing, writable by others, sticky or not searchable by this
 * process, a .qmail file we may not stat) is {@link Verdict#UNKNOWN}: we run as qmaild and
 * must never refuse what root and the user could deliver.
 */
final class MailboxProbe {
    /** qmail's conf-patrn, as qmail-local's home check applies it. */
    private static final int PATRN = 0002;
    private static final int STICKY = 01000;

    enum Verdict { DELIVERABLE, NO_MAILBOX, UNKNOWN }

    private final LocalUsers users;

    MailboxProbe(LocalUsers users) {
        this.users = users;
    }

    /** {@code local}: the local part qmail-lspawn gets (the rewritten address before its last @). */
    Verdict probe(String local) {
        if (local.isEmpty()) return Verdict.DELIVERABLE; // qmail-lspawn's trash address
        Nughde n;
        try {
            n = users.lookup(local);
        } catch (LookupFailure e) {
            return Verdict.UNKNOWN;
        }
        if (n.uid() == 0 || !n.homedir().startsWith("/")) return Verdict.UNKNOWN;
        Path home = Path.of(n.homedir());
        try {
            if (!Files.readAttributes(home, BasicFileAttributes.class).isDirectory()) return Verdict.UNKNOWN;
            int mode = (Integer) Files.getAttribute(home, "unix:mode");
            if ((mode & (PATRN | STICKY)) != 0) return Verdict.UNKNOWN;
        } catch (IOException | RuntimeException e) {
            return Verdict.UNKNOWN;
        }
        if (n.dash().isEmpty()) return Verdict.DELIVERABLE;
        for (DotQmailNames.Candidate c : DotQmailNames.candidates(n.dash(), n.ext())) {
            String name = ".qmail" + c.suffix();
            if (HomeFiles.needsBytes(name)) {
                // A UTF-8 extension: its file by its exact bytes, as qmail-local opens it.
                try {
                    Optional<Fd.Stat> st = HomeFiles.stat(home, name, false);
                    if (st.isPresent() && st.get().isRegularFile()) return Verdict.DELIVERABLE;
                    continue;
                } catch (IOException | RuntimeException e) {
                    return Verdict.UNKNOWN;
                }
            }
            Path f = home.resolve(name);
            try {
                // qmail-local follows links and skips what is not a regular file.
                if (Files.readAttributes(f, BasicFileAttributes.class).isRegularFile()) return Verdict.DELIVERABLE;
            } catch (NoSuchFileException | NotDirectoryException e) {
                // not there: the next name
            } catch (FileSystemException e) {
                if (e.getReason() == null || !e.getReason().contains("Not a directory")) return Verdict.UNKNOWN;
            } catch (IOException | RuntimeException e) {
                return Verdict.UNKNOWN;
            }
        }
        return Verdict.NO_MAILBOX;
    }
}
