package org.qmailj.common.sys;

import static org.qmailj.common.sys.Native.C_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An AF_UNIX datagram socket, which the JDK lacks: what syslog's {@code /dev/log} speaks.
 * splogger sends through {@link Syslog}; tests and anything that must play syslogd bind one.
 *
 * <p>The socket is close-on-exec. Sends never block (MSG_DONTWAIT). Errors throw
 * {@link SysException}; a path longer than sun_path's 107 bytes is ENAMETOOLONG.
 *
 * <p>Threads: send and receive may be called from several threads (each datagram is one
 * atomic syscall); close only once nobody uses it. {@link #receive} blocks in native poll,
 * pinning a virtual thread's carrier.
 */
public final class UnixDatagram implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** struct sockaddr_un: sa_family_t sun_family; char sun_path[108]. */
    private static final int SUN_PATH_OFFSET = 2;
    private static final int SUN_PATH_MAX = 108;

    // A holder class per C function: each downcall handle is linked at its first use (see Fd).
    private static final class Socket {
        static final Native.Fn H = Native.fn("socket");
    }

    private static final class Bind {
        static final Native.Fn H = Native.fn("bind");
    }

    private static final class Sendto {
        static final Native.Fn H = Native.fn("sendto");
    }

    private static final class Recv {
        static final Native.Fn H = Native.fn("recv");
    }

    private final int fd;
    private volatile boolean closed;

    private UnixDatagram(int fd) {
        this.fd = fd;
    }

    /** An unbound socket, for sending. */
    public static UnixDatagram open() throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            int fd = (int) Socket.H.call(st, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd == -1) {
                throw Native.fail("socket", "AF_UNIX SOCK_DGRAM", st);
            }
            return new UnixDatagram(fd);
        }
    }

    /** A socket bound at {@code path} (which must not exist yet: EADDRINUSE), for receiving. */
    public static UnixDatagram bind(Path path) throws SysException {
        UnixDatagram socket = open();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment addr = address(arena, path);
            if ((int) Bind.H.call(st, socket.fd, Native.ptr(addr), (int) addr.byteSize()) == -1) {
                throw Native.fail("bind", path, st);
            }
            return socket;
        } catch (Throwable t) {
            socket.closeQuietly();
            throw Native.rethrow(t);
        }
    }

    /**
     * sendto(2) one datagram to the socket bound at {@code path}, without blocking.
     *
     * @return true if sent; false if the receiver's queue is full (EAGAIN): it was dropped
     * @throws SysException ENOENT when nothing is at {@code path}, ECONNREFUSED when no socket
     *     is bound there any more (or it is not a socket)
     */
    public boolean sendTo(Path path, byte[] datagram) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment addr = address(arena, path);
            MemorySegment buf = arena.allocate(Math.max(datagram.length, 1));
            MemorySegment.copy(datagram, 0, buf, ValueLayout.JAVA_BYTE, 0, datagram.length);
            while (true) {
                long n = Sendto.H.call(st, fd, Native.ptr(buf), datagram.length,
                        MSG_DONTWAIT | MSG_NOSIGNAL, Native.ptr(addr), addr.byteSize());
                if (n >= 0) {
                    return true;
                }
                int errno = Native.errno(st);
                if (errno == Errno.EAGAIN) {
                    return false;
                }
                if (errno != Errno.EINTR) {
                    throw Native.fail("sendto", path, st);
                }
            }
        }
    }

    /**
     * Receives one datagram, waiting up to {@code timeoutMillis} (-1: for ever). A datagram
     * longer than {@code maxBytes} is cut to that length, as recv(2) does.
     *
     * @return the datagram, or empty on timeout
     */
    public Optional<byte[]> receive(int maxBytes, int timeoutMillis) throws SysException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment buf = arena.allocate(Math.max(maxBytes, 1));
            while (true) {
                long n = Recv.H.call(st, fd, Native.ptr(buf), maxBytes, MSG_DONTWAIT);
                if (n >= 0) {
                    return Optional.of(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                }
                int errno = Native.errno(st);
                if (errno != Errno.EAGAIN && errno != Errno.EINTR) {
                    throw Native.fail("recv", "fd " + fd, st);
                }
                int wait = -1;
                if (timeoutMillis >= 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return Optional.empty();
                    }
                    wait = (int) Math.max(1, left / 1_000_000L);
                }
                Fd.poll(fd, Fd.POLLIN, wait);
            }
        }
    }

    /** The raw descriptor, e.g. to poll it. */
    public int fd() {
        return fd;
    }

    @Override
    public void close() throws SysException {
        if (!closed) {
            closed = true;
            Fd.close(fd);
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (SysException e) {
            // Already failing; the first error is the one to report.
        }
    }

    /** struct sockaddr_un for {@code path}; also {@link UnixStream}'s. */
    static MemorySegment address(Arena arena, Path path) throws SysException {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_MAX) {
            throw new SysException("sockaddr_un", path, Errno.ENAMETOOLONG);
        }
        // Zeroed by allocate, so sun_path is NUL-terminated.
        MemorySegment addr = arena.allocate(SUN_PATH_OFFSET + name.length + 1, 2);
        addr.set(C_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET, name.length);
        return addr;
    }
}
