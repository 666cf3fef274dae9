package org.qmailj.common.sys;

import static org.qmailj.common.sys.Native.C_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starting and reaping child processes: posix_spawn(3) with file actions, and waitpid(2).
 *
 * <p>This is how a JVM does qmail's fork-dup2-exec (qmail-start wiring the daemons' pipes,
 * qmail-local running a {@code |program} line, tcpserver handing a connection to a program)
 * without forking the JVM: glibc's posix_spawn uses a vfork-like clone and reports a failed
 * exec or file action as the call's own error.
 *
 * <p>The child starts clean, whatever the calling JVM thread looks like:
 * <ul>
 * <li>no signal is blocked (JVM threads block SIGQUIT) and every signal has its default
 *     action (POSIX_SPAWN_SETSIGMASK and POSIX_SPAWN_SETSIGDEF);</li>
 * <li>after the caller's {@link FdAction}s, every descriptor above the highest one the
 *     actions target (and at least 0, 1, 2) is closed (glibc's closefrom action), so
 *     descriptors the JVM or a library opened without close-on-exec do not leak. To pass
 *     a descriptor, place it with {@link FdAction.Dup2}; {@code Dup2(fd, fd)} keeps it at
 *     its number and clears close-on-exec.</li>
 * </ul>
 *
 * <p>Errors throw {@link SysException}. Threads: spawn is thread-safe and quick;
 * {@link #waitpid} blocks in native code, which pins a virtual thread's carrier: wait on a
 * platform thread, or poll with {@link #waitNoHang}.
 */
public final class Spawn {

    /** One step applied in the child, in order, before the program runs. */
    public sealed interface FdAction permits FdAction.Dup2, FdAction.Close, FdAction.Open {
        /** dup2(from, to): the child's {@code to} is the parent's {@code from}. */
        record Dup2(int from, int to) implements FdAction {
        }

        /** close(fd) in the child. */
        record Close(int fd) implements FdAction {
        }

        /** open(path, flags, mode) in the child, placed at {@code fd}. */
        record Open(int fd, Path path, int flags, int mode) implements FdAction {
        }
    }

    /** A waitpid status: how child {@code pid} ended. */
    public record WaitStatus(long pid, int status) {
        /** WIFEXITED. */
        public boolean exited() {
            return (status & 0x7f) == 0;
        }

        /** WEXITSTATUS; meaningful when {@link #exited}. */
        public int exitCode() {
            return (status >> 8) & 0xff;
        }

        /** WIFSIGNALED: killed by a signal (qmail's wait_crashed). */
        public boolean signaled() {
            int sig = status & 0x7f;
            return sig != 0 && sig != 0x7f;
        }

        /** WTERMSIG; meaningful when {@link #signaled}. */
        public int signal() {
            return status & 0x7f;
        }

        /** WCOREDUMP. */
        public boolean coreDumped() {
            return signaled() && (status & 0x80) != 0;
        }
    }

    private static final int WNOHANG = 1;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    // glibc: sizeof(posix_spawn_file_actions_t) is 80, sizeof(posix_spawnattr_t) 336.
    // Allocate generously; only glibc reads them.
    private static final long FILE_ACTIONS_BYTES = 256;
    private static final long ATTR_BYTES = 1024;

    private static final class C {
        static final Native.Fn POSIX_SPAWN = Native.fn("posix_spawn");
        static final Native.Fn FA_INIT = Native.fn("posix_spawn_file_actions_init");
        static final Native.Fn FA_DESTROY = Native.fn("posix_spawn_file_actions_destroy");
        static final Native.Fn FA_DUP2 = Native.fn("posix_spawn_file_actions_adddup2");
        static final Native.Fn FA_CLOSE = Native.fn("posix_spawn_file_actions_addclose");
        static final Native.Fn FA_OPEN = Native.fn("posix_spawn_file_actions_addopen");
        /** glibc 2.34+; null before, and then leaking descriptors are not closed. */
        static final Native.Fn FA_CLOSEFROM = Native.optionalFn("posix_spawn_file_actions_addclosefrom_np");
        static final Native.Fn ATTR_INIT = Native.fn("posix_spawnattr_init");
        static final Native.Fn ATTR_DESTROY = Native.fn("posix_spawnattr_destroy");
        static final Native.Fn ATTR_SETFLAGS = Native.fn("posix_spawnattr_setflags");
        static final Native.Fn ATTR_SETSIGMASK = Native.fn("posix_spawnattr_setsigmask");
        static final Native.Fn ATTR_SETSIGDEFAULT = Native.fn("posix_spawnattr_setsigdefault");
        static final Native.Fn SIGFILLSET = Native.fn("sigfillset");
        static final Native.Fn WAITPID = Native.fn("waitpid");
    }

    private Spawn() {
    }

    /**
     * posix_spawn(3): runs {@code path} (no PATH search) with {@code argv} and {@code envp}
     * ("NAME=value" strings), applying {@code actions} in the child first.
     *
     * @return the child's pid; reap it with {@link #waitpid}
     */
    public static long spawn(String path, List<String> argv, List<String> envp,
            List<FdAction> actions) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fa = arena.allocate(FILE_ACTIONS_BYTES, 8);
            MemorySegment attr = arena.allocate(ATTR_BYTES, 8);
            check("posix_spawn_file_actions_init", path,
                    (int) C.FA_INIT.call(Native.NO_ERRNO, Native.ptr(fa)));
            try {
                check("posix_spawnattr_init", path,
                        (int) C.ATTR_INIT.call(Native.NO_ERRNO, Native.ptr(attr)));
                try {
                    addActions(arena, fa, path, actions);
                    cleanSignals(arena, attr, path);
                    MemorySegment pid = arena.allocate(C_INT);
                    int rc = (int) C.POSIX_SPAWN.call(Native.NO_ERRNO, Native.ptr(pid),
                            Native.ptr(Native.cString(arena, path)), Native.ptr(fa), Native.ptr(attr),
                            Native.ptr(Native.cStringArray(arena, argv)),
                            Native.ptr(Native.cStringArray(arena, envp)));
                    check("posix_spawn", path, rc);
                    return pid.get(C_INT, 0);
                } finally {
                    int ignored = (int) C.ATTR_DESTROY.call(Native.NO_ERRNO, Native.ptr(attr));
                }
            } finally {
                int ignored = (int) C.FA_DESTROY.call(Native.NO_ERRNO, Native.ptr(fa));
            }
        }
    }

    /** As {@link #spawn(String, List, List, List)} with the environment as a map. */
    public static long spawn(String path, List<String> argv, Map<String, String> env,
            List<FdAction> actions) throws SysException {
        List<String> envp = new ArrayList<>(env.size());
        env.forEach((k, v) -> envp.add(k + "=" + v));
        return spawn(path, argv, envp, actions);
    }

    private static void addActions(Arena arena, MemorySegment fa, String path,
            List<FdAction> actions) throws SysException {
        int highest = 2;
        for (FdAction action : actions) {
            switch (action) {
                case FdAction.Dup2(int from, int to) -> {
                    check("posix_spawn_file_actions_adddup2", path,
                            (int) C.FA_DUP2.call(Native.NO_ERRNO, Native.ptr(fa), from, to));
                    highest = Math.max(highest, to);
                }
                case FdAction.Close(int fd) -> check("posix_spawn_file_actions_addclose",
                        path, (int) C.FA_CLOSE.call(Native.NO_ERRNO, Native.ptr(fa), fd));
                case FdAction.Open(int fd, Path file, int flags, int mode) -> {
                    check("posix_spawn_file_actions_addopen", file,
                            (int) C.FA_OPEN.call(Native.NO_ERRNO, Native.ptr(fa), fd,
                                    Native.ptr(Native.cString(arena, file.toString())), flags, mode));
                    highest = Math.max(highest, fd);
                }
            }
        }
        if (C.FA_CLOSEFROM != null) {
            check("posix_spawn_file_actions_addclosefrom_np", path,
                    (int) C.FA_CLOSEFROM.call(Native.NO_ERRNO, Native.ptr(fa), highest + 1));
        }
    }

    private static void cleanSignals(Arena arena, MemorySegment attr, String path)
            throws SysException {
        MemorySegment none = arena.allocate(Proc.SIGSET_BYTES);
        MemorySegment all = arena.allocate(Proc.SIGSET_BYTES);
        if ((int) C.SIGFILLSET.call(Native.NO_ERRNO, Native.ptr(all)) != 0) {
            throw new SysException("sigfillset", path, Errno.EINVAL);
        }
        check("posix_spawnattr_setsigmask", path,
                (int) C.ATTR_SETSIGMASK.call(Native.NO_ERRNO, Native.ptr(attr), Native.ptr(none)));
        check("posix_spawnattr_setsigdefault", path,
                (int) C.ATTR_SETSIGDEFAULT.call(Native.NO_ERRNO, Native.ptr(attr), Native.ptr(all)));
        check("posix_spawnattr_setflags", path, (int) C.ATTR_SETFLAGS.call(Native.NO_ERRNO,
                Native.ptr(attr), (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)));
    }

    /** The posix_spawn family returns an error number instead of setting errno. */
    private static void check(String call, Object subject, int rc) throws SysException {
        if (rc != 0) {
            throw new SysException(call, subject, rc);
        }
    }

    /** waitpid(pid, &status, 0), retried on EINTR. {@code pid} -1 waits for any child. */
    public static WaitStatus waitpid(long pid) throws SysException {
        return waitFor(pid, 0).orElseThrow();
    }

    /**
     * qmail's wait_nohang: waitpid with WNOHANG. Empty while the child (any child, for
     * {@code pid} -1) is still running.
     */
    public static Optional<WaitStatus> waitNoHang(long pid) throws SysException {
        return waitFor(pid, WNOHANG);
    }

    private static Optional<WaitStatus> waitFor(long pid, int options) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment status = arena.allocate(C_INT);
            while (true) {
                int rc = (int) C.WAITPID.call(st, Math.toIntExact(pid), Native.ptr(status), options);
                if (rc > 0) {
                    return Optional.of(new WaitStatus(rc, status.get(C_INT, 0)));
                }
                if (rc == 0) {
                    return Optional.empty();
                }
                if (Native.errno(st) != Errno.EINTR) {
                    throw Native.fail("waitpid", pid, st);
                }
            }
        }
    }

    /**
     * execvp's search: a name with a slash as it is; else the first executable regular file of
     * that name in {@code pathVar} (null: "/bin:/usr/bin"; an empty entry is the current
     * directory); empty when there is none.
     */
    public static Optional<String> findProgram(String prog, String pathVar) {
        if (prog.contains("/")) return Optional.of(prog);
        for (String dir : (pathVar == null ? "/bin:/usr/bin" : pathVar).split(":", -1)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, prog);
            if (java.nio.file.Files.isExecutable(p) && !java.nio.file.Files.isDirectory(p)) return Optional.of(p.toString());
        }
        return Optional.empty();
    }
}
