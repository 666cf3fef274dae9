package org.qmailj.common.sys;

import static org.qmailj.common.sys.Native.C_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * getrlimit(2)/setrlimit(2), for daemontools' softlimit. Resource numbers are Linux's.
 * Limits are process-wide and are inherited across {@link Proc#execv}.
 *
 * <p>Errors throw {@link SysException}.
 */
public final class Rlimit {
    public static final int RLIMIT_CPU = 0;
    public static final int RLIMIT_FSIZE = 1;
    public static final int RLIMIT_DATA = 2;
    public static final int RLIMIT_STACK = 3;
    public static final int RLIMIT_CORE = 4;
    public static final int RLIMIT_RSS = 5;
    public static final int RLIMIT_NPROC = 6;
    public static final int RLIMIT_NOFILE = 7;
    public static final int RLIMIT_MEMLOCK = 8;
    public static final int RLIMIT_AS = 9;
    /** RLIM_INFINITY: an unsigned all-ones, -1 as a Java long. */
    public static final long INFINITY = -1L;

    /** A soft (current) and hard (maximum) limit. */
    public record Limit(long soft, long hard) {
    }

    // A holder class per C function: each downcall handle is linked at its first use (see Fd).
    private static final class Getrlimit {
        static final Native.Fn H = Native.fn("getrlimit");
    }

    private static final class Setrlimit {
        static final Native.Fn H = Native.fn("setrlimit");
    }

    private Rlimit() {
    }

    public static Limit get(int resource) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment rl = arena.allocate(16, 8);
            if ((int) Getrlimit.H.call(st, resource, Native.ptr(rl)) == -1) {
                throw Native.fail("getrlimit", resource, st);
            }
            return new Limit(rl.get(C_LONG, 0), rl.get(C_LONG, 8));
        }
    }

    public static void set(int resource, Limit limit) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment rl = arena.allocate(16, 8);
            rl.set(C_LONG, 0, limit.soft());
            rl.set(C_LONG, 8, limit.hard());
            if ((int) Setrlimit.H.call(st, resource, Native.ptr(rl)) == -1) {
                throw Native.fail("setrlimit", resource, st);
            }
        }
    }
}
