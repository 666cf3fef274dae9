package org.qmailj.common.users;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Optional;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.SysException;

/**
 * The .qmail files of a home directory by name as qmail's bytes (a String of ISO-8859-1
 * chars, one per byte): {@code .qmail-} + an address extension may hold UTF-8 (SMTPUTF8).
 * java.nio cannot name such a file: its paths go through the locale's charset, which is
 * ASCII under the empty environment qmail-start gives its daemons (InvalidPathException) and
 * re-encodes each byte under a UTF-8 locale. These go through openat(2) byte for byte.
 */
public final class HomeFiles {
    private HomeFiles() {
    }

    /** What a name refers to: nothing (ENOENT, ENOTDIR) is empty. Links followed unless {@code nofollow}. */
    public static Optional<Fd.Stat> stat(Path home, String name, boolean nofollow) throws SysException {
        // O_PATH|O_NOFOLLOW opens the link itself; ELOOP would only come from a loop.
        return inHome(home, name, Fd.O_PATH | (nofollow ? Fd.O_NOFOLLOW : 0), fd -> Optional.of(Fd.stat(fd)));
    }

    /** A regular file's mode and contents (links followed); empty when missing or not a regular file. */
    public record Contents(int mode, byte[] bytes) {
    }

    public static Optional<Contents> readRegular(Path home, String name) throws SysException {
        // O_NONBLOCK: a fifo named like a .qmail file must not hang the delivery.
        return inHome(home, name, Fd.O_RDONLY | Fd.O_NONBLOCK, fd -> {
            Fd.Stat st = Fd.stat(fd);
            if (!st.isRegularFile()) return Optional.empty();
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(st.size(), 1 << 16));
            byte[] buf = new byte[8192];
            for (int n; (n = Fd.read(fd, buf, 0, buf.length)) > 0; ) out.write(buf, 0, n);
            return Optional.of(new Contents(st.mode(), out.toByteArray()));
        });
    }

    /** What is done with a descriptor {@link #inHome} opened. */
    private interface WithFd<T> {
        Optional<T> apply(int fd) throws SysException;
    }

    /**
     * Opens {@code name} in {@code home} by its bytes with {@code flags}, gives the descriptor to
     * {@code use} and closes it; a name that is not there (ENOENT, ENOTDIR) is empty.
     */
    private static <T> Optional<T> inHome(Path home, String name, int flags, WithFd<T> use) throws SysException {
        int dir = Fd.open(home, Fd.O_PATH | Fd.O_DIRECTORY, 0);
        try {
            int fd = Fd.openAtBytes(dir, name, flags, 0);
            try {
                return use.apply(fd);
            } finally {
                Fd.close(fd);
            }
        } catch (SysException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) return Optional.empty();
            throw e;
        } finally {
            Fd.close(dir);
        }
    }

    /** True when {@code name} has a byte above 127: java.nio cannot be trusted with it. */
    public static boolean needsBytes(String name) {
        for (int i = 0; i < name.length(); i++) if (name.charAt(i) > 127) return true;
        return false;
    }
}
