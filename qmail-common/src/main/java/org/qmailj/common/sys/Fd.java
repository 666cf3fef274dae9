package org.qmailj.common.sys;

import static org.qmailj.common.sys.Native.C_INT;
import static org.qmailj.common.sys.Native.C_LONG;
import static org.qmailj.common.sys.Native.C_SHORT;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Raw file descriptors: open, read, write, poll, dup2, pipe, close, and streams over them.
 *
 * <p>Used where a JDK channel cannot be had: descriptors inherited from a parent
 * (qmail-start's pipes), fifos opened non-blocking, descriptors to place in a child. Every
 * descriptor this package creates is close-on-exec, so none leaks into a child by accident;
 * {@link #dup2} (and {@link Spawn.FdAction.Dup2}) puts one at a fixed number without that flag,
 * which is how a descriptor is handed to a child or kept across {@link Proc#execv}.
 *
 * <p>Errors throw {@link SysException}; EINTR is retried; EAGAIN on a non-blocking descriptor
 * is reported as a return value (-1), not an exception.
 *
 * <p>Threads: all methods are thread-safe. {@code read}, {@code write} and {@code poll} on a
 * blocking descriptor block in native code, which pins a virtual thread's carrier (the JDK
 * cannot compensate for a foreign call): call them from platform threads.
 */
public final class Fd {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_PATH = 010000000;

    /** statx's AT_EMPTY_PATH: the call applies to the descriptor itself (fstat). */
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int SEEK_SET = 0;

    public static final short POLLIN = 0x001;
    public static final short POLLOUT = 0x004;
    public static final short POLLERR = 0x008;
    public static final short POLLHUP = 0x010;
    public static final short POLLNVAL = 0x020;

    private static final ValueLayout.OfByte C_BYTE = ValueLayout.JAVA_BYTE;

    /** The two ends of a pipe, both close-on-exec. */
    public record Pipe(int read, int write) {
    }

    /**
     * What {@link #stat} tells of an open descriptor: st_mode (type and permission bits),
     * owner, size, number of hard links, inode number.
     */
    public record Stat(int mode, int uid, int gid, long size, int nlink, long ino) {
        public static final int S_IFMT = 0170000;
        public static final int S_IFREG = 0100000;

        public static final int S_IFSOCK = 0140000;

        public boolean isRegularFile() {
            return (mode & S_IFMT) == S_IFREG;
        }

        public boolean isSocket() {
            return (mode & S_IFMT) == S_IFSOCK;
        }
    }

    // One holder class per C function, so each is linked at its first use: a handle of a known
    // shape costs ~0.05 MB of garbage to link, the first of a new shape (fcntl's) ~0.4 MB (the
    // JDK spins its classes; the AOT cache cannot keep them), and a young generation once
    // touched stays resident.
    private static final class Open {
        static final Native.Fn H = Native.fn("open");
    }

    private static final class Close {
        static final Native.Fn H = Native.fn("close");
    }

    private static final class Read {
        static final Native.Fn H = Native.fn("read");
    }

    private static final class Write {
        static final Native.Fn H = Native.fn("write");
    }

    private static final class Dup2 {
        static final Native.Fn H = Native.fn("dup2");
    }

    private static final class Dup {
        static final Native.Fn H = Native.fn("dup");
    }

    private static final class Pipe2 {
        static final Native.Fn H = Native.fn("pipe2");
    }

    private static final class Poll {
        static final Native.Fn H = Native.fn("poll");
    }

    private static final class OpenAt {
        static final Native.Fn H = Native.fn("openat");
    }

    private static final class Pread {
        static final Native.Fn H = Native.fn("pread");
    }

    private static final class Lseek {
        static final Native.Fn H = Native.fn("lseek");
    }

    private static final class Fcntl {
        static final Native.Fn H = Native.variadicFn("fcntl", 2);
    }

    private static final class Statx {
        static final Native.Fn H = Native.fn("statx");
    }

    private Fd() {
    }

    /** open(2) with {@code flags | O_CLOEXEC}; returns the descriptor. */
    public static int open(Path path, int flags, int mode) throws SysException {
        int fd = tryOpen(path, flags, mode);
        if (fd < 0) throw openFailure(path, -fd);
        return fd;
    }

    /**
     * {@link #open} for a probe whose usual answer is "not there" (qmail's .qmail search tries
     * several names per delivery): returns the descriptor, or {@code -errno} when open(2)
     * fails, without building an exception (a stack trace and strerror per missing name).
     * {@link #openFailure} makes the exception {@link #open} would have thrown.
     */
    public static int tryOpen(Path path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment p = Native.cString(arena, path.toString());
            while (true) {
                int fd = (int) Open.H.call(st, Native.ptr(p), flags | O_CLOEXEC, mode);
                if (fd >= 0) return fd;
                int errno = Native.errno(st);
                if (errno != Errno.EINTR) return -errno;
            }
        }
    }

    /** The exception {@link #open} throws when open(2) of {@code path} fails with {@code errno}. */
    public static SysException openFailure(Path path, int errno) {
        return new SysException("open", path, errno);
    }

    /**
     * Whether {@code path} names something, as a probe: 0 when stat(2) (lstat(2) with
     * {@code nofollow}) succeeds, else {@code -errno}; one statx call, no exception.
     */
    public static int probe(Path path, boolean nofollow) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment buf = arena.allocate(256, 8);
            int rc = (int) Statx.H.call(st, AT_FDCWD, Native.ptr(Native.cString(arena, path.toString())),
                    nofollow ? AT_SYMLINK_NOFOLLOW : 0, 0, Native.ptr(buf));
            return rc == 0 ? 0 : -Native.errno(st);
        }
    }

    /**
     * openat(2) with {@code flags | O_CLOEXEC}: {@code name} relative to the directory open
     * on {@code dirfd}. With {@link #O_NOFOLLOW} a symbolic link as the last component fails
     * (ELOOP) instead of being followed.
     */
    public static int openAt(int dirfd, String name, int flags, int mode) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            return openAt(arena, dirfd, Native.cString(arena, name), name, flags, mode);
        }
    }

    /**
     * {@link #openAt(int, String, int, int)} with {@code name} as qmail's bytes: a String of
     * ISO-8859-1 chars, one per byte (an address extension from the envelope), passed to the
     * kernel byte for byte. java.nio's paths go through the locale's charset (ASCII under the
     * empty environment qmail-start gives its daemons), which cannot name such a file.
     */
    public static int openAtBytes(int dirfd, String name, int flags, int mode) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            return openAt(arena, dirfd, Native.cBytes(arena, name), name, flags, mode);
        }
    }

    private static int openAt(Arena arena, int dirfd, MemorySegment path, String name, int flags, int mode) throws SysException {
        MemorySegment st = Native.errnoState(arena);
        while (true) {
            int fd = (int) OpenAt.H.call(st, dirfd, Native.ptr(path), flags | O_CLOEXEC, mode);
            if (fd >= 0) {
                return fd;
            }
            if (Native.errno(st) != Errno.EINTR) {
                throw Native.fail("openat", name, st);
            }
        }
    }

    /**
     * fstat(2) of an open descriptor (through statx with AT_EMPTY_PATH, whose layout is the
     * same on every architecture).
     */
    public static Stat stat(int fd) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            // struct statx: stx_mask u32 @0, stx_nlink u32 @16, stx_uid u32 @20, stx_gid u32 @24,
            // stx_mode u16 @28, stx_ino u64 @32, stx_size u64 @40; 256 bytes in all.
            MemorySegment buf = arena.allocate(256, 8);
            int rc = (int) Statx.H.call(st, fd, Native.ptr(Native.cString(arena, "")), AT_EMPTY_PATH,
                    STATX_BASIC_STATS, Native.ptr(buf));
            if (rc == -1) {
                throw Native.fail("statx", "fd " + fd, st);
            }
            return new Stat(buf.get(C_SHORT, 28) & 0xffff, buf.get(C_INT, 20), buf.get(C_INT, 24),
                    buf.get(C_LONG, 40), buf.get(C_INT, 16), buf.get(C_LONG, 32));
        }
    }

    private static final int F_SETLEASE = 1024;
    private static final int F_WRLCK = 1;
    private static final int F_UNLCK = 2;

    /**
     * Whether {@code fd} is the only open file description of its file in the whole system:
     * the kernel grants a write lease (fcntl F_SETLEASE, F_WRLCK) only then, counting every
     * process's descriptors and mappings (a mapping holds its file open). The lease is
     * given back at once. False as well when no lease can be had at all (leases disabled, a
     * file of another owner without CAP_LEASE): the caller cannot know, so it must assume
     * the worst.
     */
    public static boolean soleOpener(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            int rc = (int) Fcntl.H.call(st, fd, F_SETLEASE, F_WRLCK);
            if (rc != 0) return false;
            Fcntl.H.call(st, fd, F_SETLEASE, F_UNLCK); // cannot fail: the lease is ours
            return true;
        }
    }

    /**
     * pread(2): reads into {@code b[off..off+len)} from file position {@code pos}, leaving the
     * descriptor's own offset alone, so several readers may share one descriptor.
     *
     * @return bytes read, 0 at end of file
     */
    public static int pread(int fd, byte[] b, int off, int len, long pos) throws SysException {
        Objects.checkFromIndexSize(off, len, b.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment buf = arena.allocate(Math.max(len, 1));
            while (true) {
                long n = Pread.H.call(st, fd, Native.ptr(buf), len, pos);
                if (n >= 0) {
                    MemorySegment.copy(buf, C_BYTE, 0, b, off, (int) n);
                    return (int) n;
                }
                if (Native.errno(st) != Errno.EINTR) {
                    throw Native.fail("pread", "fd " + fd, st);
                }
            }
        }
    }

    /** lseek(fd, pos, SEEK_SET): where the next read(2) of this descriptor starts. */
    public static void seek(int fd, long pos) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            long rc = Lseek.H.call(st, fd, pos, SEEK_SET);
            if (rc == -1) {
                throw Native.fail("lseek", "fd " + fd, st);
            }
        }
    }

    /**
     * close(2). EINTR is not retried: on Linux the descriptor is released even then, and a
     * retry could close a descriptor another thread just opened.
     */
    public static void close(int fd) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            int rc = (int) Close.H.call(st, fd);
            if (rc == -1 && Native.errno(st) != Errno.EINTR) {
                throw Native.fail("close", "fd " + fd, st);
            }
        }
    }

    /**
     * read(2) into {@code b[off..off+len)}. A {@code len} of 0 returns 0 at once.
     *
     * @return bytes read, 0 at end of file, -1 if the descriptor is non-blocking and nothing is
     *     there yet (EAGAIN)
     */
    public static int read(int fd, byte[] b, int off, int len) throws SysException {
        Objects.checkFromIndexSize(off, len, b.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment buf = arena.allocate(Math.max(len, 1));
            while (true) {
                long n = Read.H.call(st, fd, Native.ptr(buf), len);
                if (n >= 0) {
                    MemorySegment.copy(buf, C_BYTE, 0, b, off, (int) n);
                    return (int) n;
                }
                int errno = Native.errno(st);
                if (errno == Errno.EAGAIN) {
                    return -1;
                }
                if (errno != Errno.EINTR) {
                    throw Native.fail("read", "fd " + fd, st);
                }
            }
        }
    }

    /**
     * One write(2) of {@code b[off..off+len)}.
     *
     * @return bytes written (possibly fewer than len), or -1 if the descriptor is non-blocking
     *     and full (EAGAIN)
     */
    public static int write(int fd, byte[] b, int off, int len) throws SysException {
        Objects.checkFromIndexSize(off, len, b.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment buf = arena.allocate(Math.max(len, 1));
            MemorySegment.copy(b, off, buf, C_BYTE, 0, len);
            while (true) {
                long n = Write.H.call(st, fd, Native.ptr(buf), len);
                if (n >= 0) {
                    return (int) n;
                }
                int errno = Native.errno(st);
                if (errno == Errno.EAGAIN) {
                    return -1;
                }
                if (errno != Errno.EINTR) {
                    throw Native.fail("write", "fd " + fd, st);
                }
            }
        }
    }

    /**
     * dup2(2): makes {@code to} refer to what {@code from} refers to, closing {@code to} first.
     * The new descriptor is not close-on-exec, so it survives {@link Proc#execv}.
     */
    public static void dup2(int from, int to) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            while (true) {
                int rc = (int) Dup2.H.call(st, from, to);
                if (rc >= 0) {
                    return;
                }
                if (Native.errno(st) != Errno.EINTR) {
                    throw Native.fail("dup2", from + " " + to, st);
                }
            }
        }
    }

    /**
     * dup(2): a new descriptor, the lowest free one, for what {@code fd} refers to; it is not
     * close-on-exec. Unlike {@link #dup2} onto a fixed number, it can never take over a
     * descriptor that another JVM thread owns.
     */
    public static int dup(int fd) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            int rc = (int) Dup.H.call(st, fd);
            if (rc < 0) {
                throw Native.fail("dup", String.valueOf(fd), st);
            }
            return rc;
        }
    }

    /** pipe2(2) with O_CLOEXEC on both ends. */
    public static Pipe pipe() throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment fds = arena.allocate(C_INT, 2);
            int rc = (int) Pipe2.H.call(st, Native.ptr(fds), O_CLOEXEC);
            if (rc == -1) {
                throw Native.fail("pipe2", null, st);
            }
            return new Pipe(fds.getAtIndex(C_INT, 0), fds.getAtIndex(C_INT, 1));
        }
    }

    /**
     * poll(2) on one descriptor.
     *
     * @param events {@link #POLLIN} and/or {@link #POLLOUT}
     * @param timeoutMillis -1 waits for ever
     * @return the revents bits, 0 on timeout or when a signal interrupted the wait (callers
     *     loop, as qmail's select loops do)
     */
    public static int poll(int fd, short events, int timeoutMillis) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            // struct pollfd { int fd; short events; short revents; }
            MemorySegment pfd = arena.allocate(8, 4);
            pfd.set(C_INT, 0, fd);
            pfd.set(C_SHORT, 4, events);
            int rc = (int) Poll.H.call(st, Native.ptr(pfd), 1, timeoutMillis);
            if (rc == -1) {
                if (Native.errno(st) == Errno.EINTR) {
                    return 0;
                }
                throw Native.fail("poll", "fd " + fd, st);
            }
            return rc == 0 ? 0 : pfd.get(C_SHORT, 6) & 0xffff;
        }
    }

    /**
     * A pipe descriptor as an ordinary JDK stream, by opening {@code /proc/self/fd/N}; N itself
     * is closed. JDK file I/O lets a virtual thread block without pinning its carrier, which
     * {@link #outputStream} cannot. Pipes only: /proc reopening does not work for sockets, and
     * it checks the opener's permissions, so reopen before dropping privileges.
     */
    public static java.io.OutputStream reopenOutput(int fd) throws java.io.IOException {
        try {
            return new java.io.FileOutputStream("/proc/self/fd/" + fd);
        } finally {
            close(fd);
        }
    }

    /** The reading side of {@link #reopenOutput}: same rules. */
    public static InputStream reopenInput(int fd) throws java.io.IOException {
        try {
            return new java.io.FileInputStream("/proc/self/fd/" + fd);
        } finally {
            close(fd);
        }
    }

    /** Closes each descriptor, ignoring any already closed: for clean-up paths. */
    public static void closeQuietly(int... fds) {
        for (int fd : fds) {
            try {
                close(fd);
            } catch (SysException e) {
                // already closed
            }
        }
    }

    /**
     * An InputStream reading {@code fd} with read(2); closing it closes {@code fd}. Works for
     * any descriptor kind (pipe, fifo, socket, file). On a non-blocking descriptor it waits in
     * poll rather than returning early. Not for use by several threads at once.
     */
    public static InputStream inputStream(int fd) {
        return new FdInputStream(fd);
    }

    /**
     * An OutputStream writing {@code fd} with write(2), unbuffered (wrap it in a
     * BufferedOutputStream); closing it closes {@code fd}. Writes loop until every byte is
     * written; on a non-blocking descriptor they wait in poll.
     */
    public static OutputStream outputStream(int fd) {
        return new FdOutputStream(fd);
    }

    private static final class FdInputStream extends InputStream {
        private final int fd;
        private boolean closed;

        FdInputStream(int fd) {
            this.fd = fd;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("stream closed (fd " + fd + ")");
            }
            if (len == 0) {
                return 0;
            }
            while (true) {
                int n = Fd.read(fd, b, off, Math.min(len, 65536));
                if (n > 0) {
                    return n;
                }
                if (n == 0) {
                    return -1;
                }
                poll(fd, POLLIN, -1);
            }
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                Fd.close(fd);
            }
        }
    }

    private static final class FdOutputStream extends OutputStream {
        private final int fd;
        private boolean closed;

        FdOutputStream(int fd) {
            this.fd = fd;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("stream closed (fd " + fd + ")");
            }
            while (len > 0) {
                int n = Fd.write(fd, b, off, Math.min(len, 65536));
                if (n == -1) {
                    poll(fd, POLLOUT, -1);
                    continue;
                }
                off += n;
                len -= n;
            }
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                Fd.close(fd);
            }
        }
    }
}
