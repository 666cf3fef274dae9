package org.qmailj.common.sys;


import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whole-file exclusive locks with flock(2), as qmail's {@code lock_ex}/{@code lock_exnb}/
 * {@code lock_un} and daemontools' {@code supervise/lock} use them on Linux (both are built
 * with HASFLOCK there).
 *
 * <p>Why not {@code FileChannel.lock}: the JDK takes fcntl (POSIX record) locks, and on Linux
 * flock and fcntl locks do not see each other, so a JDK lock would not exclude a C
 * qmail-send, supervise or {@code flock(1)}, nor be seen by them. flock locks belong to the
 * open file description: a second open of the same file, even in this process, conflicts;
 * the lock goes away when the last descriptor for it is closed (it survives exec and is
 * shared with children that inherit the descriptor, which is what supervise relies on).
 *
 * <p>Errors throw {@link SysException}. The blocking calls wait in native code, pinning a
 * virtual thread's carrier: take locks on platform threads.
 */
public final class Lock implements AutoCloseable {
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int LOCK_UN = 8;

    private static final class C {
        static final Native.Fn FLOCK = Native.fn("flock");
    }

    private final int fd;
    private boolean closed;

    private Lock(int fd) {
        this.fd = fd;
    }

    /**
     * Opens {@code path} (creating it 0600 if absent, as daemontools' open_append does) and
     * waits for an exclusive lock on it. Closing the Lock releases it.
     */
    public static Lock exclusive(Path path) throws SysException {
        int fd = openLockFile(path);
        try {
            lockEx(fd);
            return new Lock(fd);
        } catch (SysException e) {
            Fd.close(fd);
            throw e;
        }
    }

    /** As {@link #exclusive(Path)} without waiting: empty if someone else holds the lock. */
    public static Optional<Lock> tryExclusive(Path path) throws SysException {
        int fd = openLockFile(path);
        boolean locked = false;
        try {
            locked = lockExNb(fd);
            return locked ? Optional.of(new Lock(fd)) : Optional.empty();
        } finally {
            if (!locked) {
                Fd.close(fd);
            }
        }
    }

    private static int openLockFile(Path path) throws SysException {
        return Fd.open(path, Fd.O_WRONLY | Fd.O_APPEND | Fd.O_CREAT, 0600);
    }

    /** qmail's lock_ex: flock(fd, LOCK_EX), waiting as long as it takes. */
    public static void lockEx(int fd) throws SysException {
        while (!flock(fd, LOCK_EX)) {
            // Only EINTR brings us here; try again.
        }
    }

    /** qmail's lock_exnb: flock(fd, LOCK_EX|LOCK_NB); false if another holder has it. */
    public static boolean lockExNb(int fd) throws SysException {
        return flock(fd, LOCK_EX | LOCK_NB);
    }

    /** qmail's lock_un: flock(fd, LOCK_UN). */
    public static void unlock(int fd) throws SysException {
        flock(fd, LOCK_UN);
    }

    /** @return false on EWOULDBLOCK or EINTR, true when done */
    private static boolean flock(int fd, int op) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            if ((int) C.FLOCK.call(st, fd, op) == 0) {
                return true;
            }
            int errno = Native.errno(st);
            if (errno == Errno.EWOULDBLOCK || errno == Errno.EINTR) {
                return false;
            }
            throw Native.fail("flock", "fd " + fd, st);
        }
    }

    /** The locked descriptor (close-on-exec), e.g. to {@link Fd#dup2} into a child. */
    public int fd() {
        return fd;
    }

    /** Closes the descriptor, which releases the lock unless a dup of it lives on. */
    @Override
    public void close() throws SysException {
        if (!closed) {
            closed = true;
            Fd.close(fd);
        }
    }
}
