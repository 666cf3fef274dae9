package org.qmailj.common.spawn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.SysException;

/**
 * spawn.c's checks on a delivery command, shared by qmail-lspawn and qmail-rspawn, and the one
 * place a spawner opens a message. A spawn command may name only a message of the queue:
 * {@code S/N} (digits) below queue/mess, a regular file owned by qmailq. qmail-lspawn runs as
 * root, so a command naming anything else (/etc/shadow, {@code ../}, a symbolic link planted
 * in queue/mess) must be refused without opening anything outside queue/mess.
 *
 * <p>In spawn.c's order, with its texts: the message id (digits and slashes, not first; 1 to
 * 99 bytes; D), the recipient's host (D), then the open (Z "qmail-spawn unable to open
 * message"), fstat, type and owner (Z). The open is {@code openat} from a descriptor of
 * queue/mess kept from the start: the directory {@code S} with O_DIRECTORY|O_NOFOLLOW, then
 * {@code N} with O_NOFOLLOW|O_NONBLOCK (a fifo does not block the spawner), so no symbolic
 * link and no {@code ..} is ever followed. spawn.c accepts ids of other shapes that qmail-send
 * never sends (a bare {@code N}, {@code S/N/M}); here anything but {@code S/N} cannot be opened.
 * fstat is on the open descriptor, which is what the delivery then reads.
 *
 * <p>qmailq's uid comes from lib/ids; in a sandbox install (lib/ids gives every qmail user the
 * same uid, or is missing) it is the owner of queue/mess.
 */
public final class SpawnCheck implements AutoCloseable {
    public static final String OPEN = "Zqmail-spawn unable to open message. (#4.3.0)\n";
    public static final String FSTAT = "Zqmail-spawn unable to fstat message. (#4.3.0)\n";
    public static final String TYPE = "ZSorry, message has wrong type. (#4.3.5)\n";
    public static final String OWNER = "ZSorry, message has wrong owner. (#4.3.5)\n";
    public static final String NOHOST = "DSorry, address must include host name. (#5.1.3)\n";
    public static final String NONNUMERICS = "DInternal error: messid has nonnumerics. (#5.3.5)\n";
    public static final String TOO_LONG = "DInternal error: messid too long. (#5.3.5)\n";
    public static final String TOO_SHORT = "DInternal error: messid too short. (#5.3.5)\n";
    public static final String DELNUM_IN_USE = "ZInternal error: delnum in use. (#4.3.5)\n";

    /** What the check gives: an open message, or the report refusing the command. */
    public sealed interface Outcome permits Message, Refused {
    }

    /**
     * A message opened read-only: its descriptor (close-on-exec) and size. Closing it closes
     * the descriptor; the delivery that got it must close it.
     */
    public record Message(int fd, long size) implements Outcome, AutoCloseable {
        @Override
        public void close() {
            Fd.closeQuietly(fd);
        }
    }

    /** The command is refused: this report (K/Z/D and text) goes back at once. */
    public record Refused(String report) implements Outcome {
    }

    private final int messFd;
    private final int uidq;

    /**
     * @param messDir queue/mess, opened now (symbolic links followed: it is the install's own)
     * @param uidq the owner every message must have
     */
    public SpawnCheck(Path messDir, int uidq) throws SysException {
        this.messFd = Fd.open(messDir, Fd.O_RDONLY | Fd.O_DIRECTORY, 0);
        this.uidq = uidq;
    }

    /** The check for this install: its queue/mess, qmailq's uid as the class comment says. */
    public static SpawnCheck forQueue(QmailHome home) throws IOException {
        Path mess = home.queue().resolve("mess");
        return new SpawnCheck(mess, queueOwner(home, mess));
    }

    private static int queueOwner(QmailHome home, Path mess) throws IOException {
        try {
            QmailIds ids = QmailIds.read(home);
            int uidq = ids.uid("qmailq");
            boolean sandbox = true;
            for (String u : QmailIds.USERS) {
                try {
                    if (ids.uid(u) != uidq) sandbox = false;
                } catch (IOException e) {
                    sandbox = false;
                }
            }
            if (!sandbox) return uidq;
        } catch (IOException e) {
            // no qmail ids: a sandbox; the queue's owner is qmailq
        }
        return (Integer) Files.getAttribute(mess, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /** The uid a message must belong to. */
    public int uidq() {
        return uidq;
    }

    /** spawn.c's docmd checks for one command; on success the message is open. */
    public Outcome check(SpawnProtocol.Command cmd) {
        String problem = messidProblem(cmd.path());
        if (problem != null) return new Refused(problem);
        if (cmd.recipient().lastIndexOf('@') < 0) return new Refused(NOHOST);
        return open(cmd.path());
    }

    /** Opens {@code S/N} below queue/mess and checks it: type, then owner. */
    public Outcome open(String messid) {
        int slash = messid.indexOf('/');
        if (slash <= 0 || slash == messid.length() - 1 || !digits(messid, 0, slash)
                || !digits(messid, slash + 1, messid.length())) {
            return new Refused(OPEN);
        }
        int fd;
        try {
            int dir = Fd.openAt(messFd, messid.substring(0, slash),
                    Fd.O_RDONLY | Fd.O_DIRECTORY | Fd.O_NOFOLLOW, 0);
            try {
                fd = Fd.openAt(dir, messid.substring(slash + 1),
                        Fd.O_RDONLY | Fd.O_NOFOLLOW | Fd.O_NONBLOCK | Fd.O_NOCTTY, 0);
            } finally {
                Fd.closeQuietly(dir);
            }
        } catch (SysException e) {
            return new Refused(OPEN);
        }
        Fd.Stat st;
        try {
            st = Fd.stat(fd);
        } catch (SysException e) {
            Fd.closeQuietly(fd);
            return new Refused(FSTAT);
        }
        String refused = !st.isRegularFile() ? TYPE : st.uid() != uidq ? OWNER : null;
        if (refused != null) {
            Fd.closeQuietly(fd);
            return new Refused(refused);
        }
        return new Message(fd, st.size());
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    /** spawn.c's checks on the message id: digits and slashes (not first), 1 to 99 bytes. */
    public static String messidProblem(String messid) {
        for (int i = 0; i < messid.length(); i++) {
            char c = messid.charAt(i);
            if ((i == 0 || c != '/') && (c < '0' || c > '9')) return NONNUMERICS;
        }
        if (messid.length() + 1 > 100) return TOO_LONG;
        if (messid.isEmpty()) return TOO_SHORT;
        return null;
    }

    @Override
    public void close() {
        Fd.closeQuietly(messFd);
    }
}
