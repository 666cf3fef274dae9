package org.qmailj.common.sys;


import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A connected AF_UNIX stream socket as a bare descriptor, which the JDK's SocketChannel does
 * not give out: qmail-start connects to the queue writer and hands the socket on to qmail-send
 * (dup2 before exec), as it would hand on a pipe. Read and write it with {@link Fd}.
 *
 * <p>The descriptor is close-on-exec and blocking. A path longer than sun_path's 107 bytes is
 * ENAMETOOLONG; nothing listening there is ENOENT or ECONNREFUSED.
 */
public final class UnixStream {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;

    // A holder class per C function: each downcall handle is linked at its first use (see Fd).
    private static final class Socket {
        static final Native.Fn H = Native.fn("socket");
    }

    private static final class Connect {
        static final Native.Fn H = Native.fn("connect");
    }

    private UnixStream() {
    }

    /** socket(2) and connect(2) to the socket bound at {@code path}; returns the descriptor. */
    public static int connect(Path path) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment addr = UnixDatagram.address(arena, path);
            int fd = (int) Socket.H.call(st, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd == -1) {
                throw Native.fail("socket", "AF_UNIX SOCK_STREAM", st);
            }
            // No retry on EINTR: the connection may be under way (EALREADY). The caller tries
            // again with a new socket, as for any failure.
            if ((int) Connect.H.call(st, fd, Native.ptr(addr), (int) addr.byteSize()) == -1) {
                SysException e = Native.fail("connect", path, st);
                Fd.closeQuietly(fd);
                throw e;
            }
            return fd;
        }
    }
}
