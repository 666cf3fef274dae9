package org.qmailj.common.sys;

import static org.qmailj.common.sys.Native.C_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * IPv4 TCP on raw descriptors: socket, bind, listen, accept4, connect, getsockname, getpeername,
 * shutdown, setsockopt. For servers that hand each accepted connection to a
 * child process as its descriptors 0 and 1 (tcpserver running a program), which needs the
 * descriptor number that JDK sockets do not reveal. Every descriptor is close-on-exec; the
 * child gets its copy through a posix_spawn dup2 action ({@link Spawn}); tcpclient moves
 * its connection to fds 6 and 7 with {@link Fd#dup2} and then execs the program.
 *
 * <p>accept blocks in native code and pins a virtual thread's carrier: call it from a
 * platform thread (the accept loop). Addresses are 4 bytes in network order.
 */
public final class TcpSocket {
    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_REUSEADDR = 2;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_NODELAY = 1;
    private static final int SHUT_RDWR = 2;

    // A holder class per C function: each downcall handle is linked at its first use (see Fd).
    private static final class Socket {
        static final Native.Fn H = Native.fn("socket");
    }

    private static final class Bind {
        static final Native.Fn H = Native.fn("bind");
    }

    private static final class Listen {
        static final Native.Fn H = Native.fn("listen");
    }

    private static final class Accept4 {
        static final Native.Fn H = Native.fn("accept4");
    }

    private static final class Getsockname {
        static final Native.Fn H = Native.fn("getsockname");
    }

    private static final class Getpeername {
        static final Native.Fn H = Native.fn("getpeername");
    }

    private static final class Setsockopt {
        static final Native.Fn H = Native.fn("setsockopt");
    }

    private static final class Connect {
        static final Native.Fn H = Native.fn("connect");
    }

    private static final class Shutdown {
        static final Native.Fn H = Native.fn("shutdown");
    }

    /** An IPv4 address (4 bytes, network order) and port. */
    public record Endpoint(byte[] ip, int port) {
        public String ipString() {
            return (ip[0] & 0xff) + "." + (ip[1] & 0xff) + "." + (ip[2] & 0xff) + "." + (ip[3] & 0xff);
        }
    }

    /** An accepted connection: its descriptor and both ends. */
    public record Accepted(int fd, Endpoint local, Endpoint remote) { }

    private TcpSocket() {
    }

    /** socket + SO_REUSEADDR + bind + listen, as ucspi-tcp's tcpserver prepares. */
    public static int listen(byte[] ip, int port, int backlog) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            int fd = (int) Socket.H.call(st, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd == -1) throw Native.fail("socket", null, st);
            try {
                setInt(arena, fd, SOL_SOCKET, SO_REUSEADDR, 1);
                MemorySegment sa = sockaddr(arena, ip, port);
                if ((int) Bind.H.call(st, fd, Native.ptr(sa), 16) == -1) throw Native.fail("bind", new Endpoint(ip, port).ipString() + ":" + port, st);
                if ((int) Listen.H.call(st, fd, backlog) == -1) throw Native.fail("listen", null, st);
                return fd;
            } catch (Throwable t) {
                Fd.close(fd);
                throw t;
            }
        }
    }

    /**
     * An outgoing connection (tcpclient): socket, bind to {@code localIp}/{@code localPort}
     * when given (null / 0 let the system choose), connect giving up after
     * {@code timeoutMillis} (through SO_SNDTIMEO, which Linux applies to connect; reset
     * afterwards). Returns the connected descriptor, close-on-exec.
     */
    public static int connect(byte[] ip, int port, byte[] localIp, int localPort, int timeoutMillis) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            int fd = (int) Socket.H.call(st, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd == -1) throw Native.fail("socket", null, st);
            try {
                if (localIp != null || localPort != 0) {
                    MemorySegment la = sockaddr(arena, localIp == null ? new byte[4] : localIp, localPort);
                    if ((int) Bind.H.call(st, fd, Native.ptr(la), 16) == -1) throw Native.fail("bind", null, st);
                }
                setTimeval(arena, fd, SO_SNDTIMEO, timeoutMillis);
                MemorySegment sa = sockaddr(arena, ip, port);
                while (true) {
                    if ((int) Connect.H.call(st, fd, Native.ptr(sa), 16) == 0) break;
                    int errno = Native.errno(st);
                    if (errno == Errno.EINTR) continue;
                    // EINPROGRESS after SO_SNDTIMEO ran out is a timeout.
                    throw new SysException("connect", new Endpoint(ip, port).ipString() + ":" + port,
                            errno == 115 ? 110 : errno);
                }
                setTimeval(arena, fd, SO_SNDTIMEO, 0);
                return fd;
            } catch (Throwable t) {
                Fd.close(fd);
                throw t;
            }
        }
    }

    private static final int SO_SNDTIMEO = 21;

    private static void setTimeval(Arena arena, int fd, int name, int millis) throws SysException {
        MemorySegment st = Native.errnoState(arena);
        MemorySegment tv = arena.allocate(16, 8);
        tv.set(ValueLayout.JAVA_LONG, 0, millis / 1000);
        tv.set(ValueLayout.JAVA_LONG, 8, (millis % 1000) * 1000L);
        if ((int) Setsockopt.H.call(st, fd, SOL_SOCKET, name, Native.ptr(tv), 16) == -1) throw Native.fail("setsockopt", null, st);
    }

    /** accept4 with SOCK_CLOEXEC, retried on EINTR and ECONNABORTED. */
    public static Accepted accept(int listenFd) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment sa = arena.allocate(16);
            MemorySegment len = arena.allocate(C_INT);
            while (true) {
                len.set(C_INT, 0, 16);
                int fd = (int) Accept4.H.call(st, listenFd, Native.ptr(sa), Native.ptr(len), SOCK_CLOEXEC);
                if (fd >= 0) return new Accepted(fd, localEndpoint(fd), endpoint(sa));
                int errno = Native.errno(st);
                if (errno != Errno.EINTR && errno != 103 /* ECONNABORTED */) throw Native.fail("accept", null, st);
            }
        }
    }

    /** getsockname(2): the local end (the chosen port after binding port 0). */
    public static Endpoint localEndpoint(int fd) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment sa = arena.allocate(16);
            MemorySegment len = arena.allocate(C_INT);
            len.set(C_INT, 0, 16);
            if ((int) Getsockname.H.call(st, fd, Native.ptr(sa), Native.ptr(len)) == -1) throw Native.fail("getsockname", null, st);
            return endpoint(sa);
        }
    }

    /** getpeername(2): the remote end (qmail's tcp-env on descriptor 0). */
    public static Endpoint remoteEndpoint(int fd) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment sa = arena.allocate(16);
            MemorySegment len = arena.allocate(C_INT);
            len.set(C_INT, 0, 16);
            if ((int) Getpeername.H.call(st, fd, Native.ptr(sa), Native.ptr(len)) == -1) throw Native.fail("getpeername", null, st);
            return endpoint(sa);
        }
    }

    /** TCP_NODELAY on (tcpserver -D). */
    public static void noDelay(int fd) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            setInt(arena, fd, IPPROTO_TCP, TCP_NODELAY, 1);
        }
    }

    /** shutdown(fd, SHUT_RDWR): wakes a thread blocked in accept on it. Errors are ignored. */
    public static void shutdown(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            int ignored = (int) Shutdown.H.call(st, fd, SHUT_RDWR);
        }
    }

    private static void setInt(Arena arena, int fd, int level, int name, int value) throws SysException {
        MemorySegment st = Native.errnoState(arena);
        MemorySegment v = arena.allocate(C_INT);
        v.set(C_INT, 0, value);
        if ((int) Setsockopt.H.call(st, fd, level, name, Native.ptr(v), 4) == -1) throw Native.fail("setsockopt", null, st);
    }

    private static MemorySegment sockaddr(Arena arena, byte[] ip, int port) {
        MemorySegment sa = arena.allocate(16);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
        sa.set(ValueLayout.JAVA_BYTE, 2, (byte) (port >> 8));
        sa.set(ValueLayout.JAVA_BYTE, 3, (byte) port);
        for (int i = 0; i < 4; i++) sa.set(ValueLayout.JAVA_BYTE, 4 + i, ip[i]);
        return sa;
    }

    private static Endpoint endpoint(MemorySegment sa) {
        int port = ((sa.get(ValueLayout.JAVA_BYTE, 2) & 0xff) << 8) | (sa.get(ValueLayout.JAVA_BYTE, 3) & 0xff);
        byte[] ip = new byte[4];
        for (int i = 0; i < 4; i++) ip[i] = sa.get(ValueLayout.JAVA_BYTE, 4 + i);
        return new Endpoint(ip, port);
    }
}
