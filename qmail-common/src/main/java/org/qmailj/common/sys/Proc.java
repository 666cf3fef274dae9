package org.qmailj.common.sys;

import static org.qmailj.common.sys.Native.C_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The process itself: ids, kill(2), and execve(2).
 *
 * <p>{@link #execv} is how qmail-start becomes qmail-send while keeping its pid: the JVM is
 * replaced, all its threads vanish, and only descriptors without close-on-exec survive (put
 * them in place with {@link Fd#dup2}).
 *
 * <p>Errors throw {@link SysException}; the id getters cannot fail. Thread-safe.
 */
public final class Proc {
    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGABRT = 6;
    public static final int SIGKILL = 9;
    public static final int SIGUSR1 = 10;
    public static final int SIGUSR2 = 12;
    public static final int SIGPIPE = 13;
    public static final int SIGALRM = 14;
    public static final int SIGTERM = 15;
    public static final int SIGCHLD = 17;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;

    /** glibc's sigset_t is 1024 bits; all zero is the empty set. */
    static final long SIGSET_BYTES = 128;
    private static final int SIG_SETMASK = 2;

    // A holder class per C function: each downcall handle is linked at its first use (see Fd).
    private static final class Kill {
        static final Native.Fn H = Native.fn("kill");
    }

    private static final class Getuid {
        static final Native.Fn H = Native.fn("getuid");
    }

    private static final class Geteuid {
        static final Native.Fn H = Native.fn("geteuid");
    }

    private static final class Getgid {
        static final Native.Fn H = Native.fn("getgid");
    }

    private static final class Getegid {
        static final Native.Fn H = Native.fn("getegid");
    }

    private static final class Getresuid {
        static final Native.Fn H = Native.fn("getresuid");
    }

    private static final class Getresgid {
        static final Native.Fn H = Native.fn("getresgid");
    }

    private static final class Getgroups {
        static final Native.Fn H = Native.fn("getgroups");
    }

    private static final class Execve {
        static final Native.Fn H = Native.fn("execve");
    }

    private static final class PthreadSigmask {
        static final Native.Fn H = Native.fn("pthread_sigmask");
    }

    private Proc() {
    }

    /** kill(2). {@code sig} 0 only checks that {@code pid} exists (ESRCH if not). */
    public static void kill(long pid, int sig) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            int rc = (int) Kill.H.call(st, Math.toIntExact(pid), sig);
            if (rc == -1) {
                throw Native.fail("kill", pid + " " + sig, st);
            }
        }
    }

    /** This process's pid (from the JDK; unchanged by {@link #execv}). */
    public static long getpid() {
        return ProcessHandle.current().pid();
    }

    public static int getuid() {
        return id(Getuid.H);
    }

    public static int geteuid() {
        return id(Geteuid.H);
    }

    public static int getgid() {
        return id(Getgid.H);
    }

    public static int getegid() {
        return id(Getegid.H);
    }

    /** Real, effective and saved ids, as getresuid(2) and getresgid(2) return them. */
    public record Ids(int real, int effective, int saved) {
        /** True when all three are {@code id}. */
        public boolean all(int id) {
            return real == id && effective == id && saved == id;
        }

        @Override
        public String toString() {
            return real + "/" + effective + "/" + saved;
        }
    }

    /** getresuid(2): the real, effective and saved user ids. */
    public static Ids getresuid() throws SysException {
        return res(Getresuid.H, "getresuid");
    }

    /** getresgid(2): the real, effective and saved group ids. */
    public static Ids getresgid() throws SysException {
        return res(Getresgid.H, "getresgid");
    }

    private static Ids res(Native.Fn call, String name) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment r = arena.allocate(C_INT);
            MemorySegment e = arena.allocate(C_INT);
            MemorySegment s = arena.allocate(C_INT);
            if ((int) call.call(st, Native.ptr(r), Native.ptr(e), Native.ptr(s)) == -1) {
                throw Native.fail(name, "", st);
            }
            return new Ids(r.get(C_INT, 0), e.get(C_INT, 0), s.get(C_INT, 0));
        }
    }

    /**
     * getgroups(2): the supplementary group ids, in the kernel's order (sorted, as setgroups
     * sorts them). Asks for the count first, then the list, retrying if it grew meanwhile.
     */
    public static int[] getgroups() throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            while (true) {
                int n = (int) Getgroups.H.call(st, 0, 0);
                if (n == -1) throw Native.fail("getgroups", "", st);
                if (n == 0) return new int[0];
                MemorySegment list = arena.allocate(C_INT, n);
                int got = (int) Getgroups.H.call(st, n, Native.ptr(list));
                if (got == -1 && Native.errno(st) == Errno.EINVAL) continue; // grew meanwhile
                if (got == -1) throw Native.fail("getgroups", "", st);
                return list.asSlice(0, (long) got * Integer.BYTES).toArray(C_INT);
            }
        }
    }

    private static int id(Native.Fn getter) {
        return (int) getter.call(Native.NO_ERRNO);
    }

    /**
     * execve(2): replaces this JVM with {@code path}, keeping the pid. Returns only by
     * throwing, with the JVM intact.
     *
     * <p>The calling thread's signal mask is inherited by the new program, and JVM threads
     * block SIGQUIT; it is cleared first (and restored if execve fails) so the program starts
     * with no signals blocked, as it would under a C parent. Flush System.out/err first: their
     * buffers die with the JVM.
     *
     * @param argv the full argument vector, argv[0] included
     * @param envp "NAME=value" strings
     */
    public static void execv(String path, List<String> argv, List<String> envp)
            throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment p = Native.cString(arena, path);
            MemorySegment av = Native.cStringArray(arena, argv);
            MemorySegment ev = Native.cStringArray(arena, envp);
            MemorySegment empty = arena.allocate(SIGSET_BYTES);
            MemorySegment old = arena.allocate(SIGSET_BYTES);
            int rc = (int) PthreadSigmask.H.call(Native.NO_ERRNO, SIG_SETMASK, Native.ptr(empty),
                    Native.ptr(old));
            if (rc != 0) {
                throw new SysException("pthread_sigmask", null, rc);
            }
            rc = (int) Execve.H.call(st, Native.ptr(p), Native.ptr(av), Native.ptr(ev));
            // Still here: execve failed. Put the JVM thread's mask back.
            int restored = (int) PthreadSigmask.H.call(Native.NO_ERRNO, SIG_SETMASK, Native.ptr(old), 0);
            assert restored == 0;
            throw Native.fail("execve", path, st);
        }
    }
}
