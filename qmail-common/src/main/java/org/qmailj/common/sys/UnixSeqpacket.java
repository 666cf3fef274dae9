package org.qmailj.common.sys;

import static org.qmailj.common.sys.Native.C_INT;
import static org.qmailj.common.sys.Native.C_LONG;
import static org.qmailj.common.sys.Native.C_POINTER;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A connected pair of AF_UNIX SOCK_SEQPACKET sockets that carry open descriptors with their
 * packets (SCM_RIGHTS), which the JDK cannot do. qmail-lspawn (root) opens a message in
 * queue/mess and hands the descriptor to a worker running as the user, who could not open
 * the file itself; the worker reads that descriptor.
 *
 * <p>Each {@link #send} is one packet with at most one descriptor; {@link #receive} returns
 * one packet, and says when it did not fit the buffer (the rest is lost, as for datagrams).
 * Every socket and received descriptor is close-on-exec. Errors throw {@link SysException};
 * EINTR is retried.
 *
 * <p>Threads: send and receive block in native code (pinning a virtual thread's carrier):
 * call them from platform threads. A packet is sent or received whole, so several threads may
 * send on one socket; {@link #shutdown} may be called while another thread is blocked in a
 * send or receive, and wakes it.
 */
public final class UnixSeqpacket {
    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_TRUNC = 0x20;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SHUT_RDWR = 2;

    // LP64 Linux layouts. struct msghdr: msg_name @0, msg_namelen @8, msg_iov @16,
    // msg_iovlen @24, msg_control @32, msg_controllen @40, msg_flags @48; 56 bytes.
    // struct iovec: iov_base @0, iov_len @8. struct cmsghdr: cmsg_len @0 (size_t),
    // cmsg_level @8, cmsg_type @12, data @16.
    private static final long MSGHDR_BYTES = 56;
    private static final long CMSG_HEADER = 16;
    /** CMSG_SPACE(sizeof(int) * 4): room for a few descriptors, so extra ones are seen. */
    private static final long CONTROL_BYTES = CMSG_HEADER + 16;

    private static final ValueLayout.OfByte C_BYTE = ValueLayout.JAVA_BYTE;

    /** The two ends of a socket pair. */
    public record Pair(int a, int b) {
    }

    /**
     * One packet received: its length (0 at end of input), the descriptor that came with it
     * (-1 when none), and whether the packet or its descriptors did not fit.
     */
    public record Received(int length, int fd, boolean truncated) {
    }

    // A holder class per C function: each downcall handle is linked at its first use (see Fd).
    private static final class Socketpair {
        static final Native.Fn H = Native.fn("socketpair");
    }

    private static final class Sendmsg {
        static final Native.Fn H = Native.fn("sendmsg");
    }

    private static final class Recvmsg {
        static final Native.Fn H = Native.fn("recvmsg");
    }

    private static final class Shutdown {
        static final Native.Fn H = Native.fn("shutdown");
    }

    private UnixSeqpacket() {
    }

    /** socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC). */
    public static Pair pair() throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment fds = arena.allocate(C_INT, 2);
            int rc = (int) Socketpair.H.call(st, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, Native.ptr(fds));
            if (rc == -1) {
                throw Native.fail("socketpair", "AF_UNIX SOCK_SEQPACKET", st);
            }
            return new Pair(fds.getAtIndex(C_INT, 0), fds.getAtIndex(C_INT, 1));
        }
    }

    /**
     * Sends {@code b[off..off+len)} as one packet (len at least 1), with a copy of descriptor
     * {@code passFd} attached unless it is -1. The caller keeps its own {@code passFd}.
     * A peer that is gone is EPIPE (no SIGPIPE); a packet larger than the socket's send buffer
     * is EMSGSIZE.
     */
    public static void send(int sock, byte[] b, int off, int len, int passFd) throws SysException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            throw new IllegalArgumentException("an empty packet reads as end of input");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment data = arena.allocate(len);
            MemorySegment.copy(b, off, data, C_BYTE, 0, len);
            MemorySegment iov = arena.allocate(16, 8);
            iov.set(C_POINTER, 0, data);
            iov.set(C_LONG, 8, len);
            MemorySegment msg = arena.allocate(MSGHDR_BYTES, 8);
            msg.set(C_POINTER, 16, iov);
            msg.set(C_LONG, 24, 1L);
            if (passFd >= 0) {
                MemorySegment control = arena.allocate(CMSG_HEADER + 8, 8);
                control.set(C_LONG, 0, CMSG_HEADER + 4); // CMSG_LEN(sizeof(int))
                control.set(C_INT, 8, SOL_SOCKET);
                control.set(C_INT, 12, SCM_RIGHTS);
                control.set(C_INT, CMSG_HEADER, passFd);
                msg.set(C_POINTER, 32, control);
                msg.set(C_LONG, 40, control.byteSize()); // CMSG_SPACE(sizeof(int))
            }
            while (true) {
                long n = Sendmsg.H.call(st, sock, Native.ptr(msg), MSG_NOSIGNAL);
                if (n >= 0) {
                    return; // a packet goes whole or not at all
                }
                if (Native.errno(st) != Errno.EINTR) {
                    throw Native.fail("sendmsg", "fd " + sock, st);
                }
            }
        }
    }

    /**
     * Receives one packet into {@code buf}. Any descriptor it carries is taken (close-on-exec);
     * when more than one came, the extra ones are closed and the packet counts as truncated.
     */
    public static Received receive(int sock, byte[] buf) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment data = arena.allocate(Math.max(buf.length, 1));
            MemorySegment iov = arena.allocate(16, 8);
            iov.set(C_POINTER, 0, data);
            iov.set(C_LONG, 8, buf.length);
            MemorySegment control = arena.allocate(CONTROL_BYTES, 8);
            MemorySegment msg = arena.allocate(MSGHDR_BYTES, 8);
            long n;
            while (true) {
                msg.fill((byte) 0);
                msg.set(C_POINTER, 16, iov);
                msg.set(C_LONG, 24, 1L);
                msg.set(C_POINTER, 32, control);
                msg.set(C_LONG, 40, CONTROL_BYTES);
                n = Recvmsg.H.call(st, sock, Native.ptr(msg), MSG_CMSG_CLOEXEC);
                if (n >= 0) {
                    break;
                }
                if (Native.errno(st) != Errno.EINTR) {
                    throw Native.fail("recvmsg", "fd " + sock, st);
                }
            }
            int flags = msg.get(C_INT, 48);
            boolean truncated = (flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
            int fd = -1;
            long controlLen = msg.get(C_LONG, 40);
            if (controlLen >= CMSG_HEADER) {
                long cmsgLen = control.get(C_LONG, 0);
                if (control.get(C_INT, 8) == SOL_SOCKET && control.get(C_INT, 12) == SCM_RIGHTS
                        && cmsgLen >= CMSG_HEADER + 4 && cmsgLen <= controlLen) {
                    int count = (int) ((cmsgLen - CMSG_HEADER) / 4);
                    fd = control.get(C_INT, CMSG_HEADER);
                    for (int i = 1; i < count; i++) {
                        Fd.closeQuietly(control.get(C_INT, CMSG_HEADER + 4L * i));
                        truncated = true;
                    }
                }
            }
            MemorySegment.copy(data, C_BYTE, 0, buf, 0, (int) Math.min(n, buf.length));
            return new Received((int) Math.min(n, buf.length), fd, truncated);
        }
    }

    /**
     * shutdown(SHUT_RDWR): the peer reads end of input once it has read the packets already
     * sent, and blocked calls on this socket return. The descriptor stays open: close it with
     * {@link Fd#close} once no thread uses it.
     */
    public static void shutdown(int sock) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            if ((int) Shutdown.H.call(st, sock, SHUT_RDWR) == -1) {
                throw Native.fail("shutdown", "fd " + sock, st);
            }
        }
    }
}
