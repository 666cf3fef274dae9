package org.qmailj.common.sys;


import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Named pipes, as qmail uses {@code queue/lock/trigger}: mkfifo, and the trigger "pull" that
 * wakes qmail-send after a message is queued ({@code trigger.c}).
 *
 * <p>Errors throw {@link SysException}, except that a fifo nobody reads (ENXIO on open, EPIPE
 * on write) is a normal outcome of {@link #pull}, reported as {@code false}.
 *
 * <p>Threads: thread-safe; nothing here blocks (every open is O_NONBLOCK).
 */
public final class Fifo {
    private static final byte[] ONE_BYTE = {0};

    private static final class C {
        static final Native.Fn MKFIFO = Native.fn("mkfifo");
    }

    private Fifo() {
    }

    /** mkfifo(3); the umask applies to {@code mode}. EEXIST if anything is at {@code path}. */
    public static void make(Path path, int mode) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            int rc = (int) C.MKFIFO.call(st, Native.ptr(Native.cString(arena, path.toString())), mode);
            if (rc == -1) {
                throw Native.fail("mkfifo", path, st);
            }
        }
    }

    /**
     * qmail's trigger_pull: open the fifo O_WRONLY|O_NONBLOCK, write one byte, close.
     *
     * @return true if a reader had the fifo open (it will see the byte, or bytes already
     *     pending if the fifo was full); false if nobody reads it (ENXIO), which qmail-queue
     *     ignores: qmail-send will find the message on its next queue scan
     * @throws SysException for anything else, e.g. ENOENT when the fifo does not exist
     */
    public static boolean pull(Path path) throws SysException {
        int fd;
        try {
            fd = Fd.open(path, Fd.O_WRONLY | Fd.O_NONBLOCK, 0);
        } catch (SysException e) {
            if (e.errno() == Errno.ENXIO) {
                return false;
            }
            throw e;
        }
        try {
            // -1 (EAGAIN) means the fifo is full: the reader has unread bytes, so it wakes up
            // anyway. The JVM ignores SIGPIPE, so a reader that vanished gives EPIPE here.
            Fd.write(fd, ONE_BYTE, 0, 1);
            return true;
        } catch (SysException e) {
            if (e.errno() == Errno.EPIPE) {
                return false;
            }
            throw e;
        } finally {
            Fd.close(fd);
        }
    }

    /**
     * Opens the fifo O_RDONLY|O_NONBLOCK, as qmail-send opens lock/trigger: the open does not
     * wait for a writer, and reads return -1 ({@link Fd#read}) while nothing is pending.
     * Returns the descriptor (close-on-exec).
     *
     * <p>As in qmail-send, also open it with {@link #openWrite} and keep that descriptor:
     * otherwise, once the last writer closes, poll reports POLLHUP for ever and the reader
     * spins.
     */
    public static int openRead(Path path) throws SysException {
        return Fd.open(path, Fd.O_RDONLY | Fd.O_NONBLOCK, 0);
    }

    /**
     * Opens the fifo O_WRONLY|O_NONBLOCK; throws ENXIO when no reader has it open. Returns
     * the descriptor (close-on-exec).
     */
    public static int openWrite(Path path) throws SysException {
        return Fd.open(path, Fd.O_WRONLY | Fd.O_NONBLOCK, 0);
    }
}
