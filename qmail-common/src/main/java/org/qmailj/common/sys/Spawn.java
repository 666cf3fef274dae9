package org.qmailj.common.sys;

import static org.qmailj.common.sys.Native.C_INT;
import static org.qmailj.common.sys.Native.C_POINTER;
import static org.qmailj.common.sys.Native.C_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
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
        static final MethodHandle POSIX_SPAWN = Native.call("posix_spawn", FunctionDescriptor.of(
                C_INT, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER));
        static final MethodHandle FA_INIT = Native.call("posix_spawn_file_actions_init",
                FunctionDescriptor.of(C_INT, C_POINTER));
        static final MethodHandle FA_DESTROY = Native.call("posix_spawn_file_actions_destroy",
                FunctionDescriptor.of(C_INT, C_POINTER));
        static final MethodHandle FA_DUP2 = Native.call("posix_spawn_file_actions_adddup2",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT));
        static final MethodHandle FA_CLOSE = Native.call("posix_spawn_file_actions_addclose",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
        static final MethodHandle FA_OPEN = Native.call("posix_spawn_file_actions_addopen",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_POINTER, C_INT, C_INT));
        /** glibc 2.34+; null before, and then leaking descriptors are not closed. */
        static final MethodHandle FA_CLOSEFROM = Native.optionalCall(
                "posix_spawn_file_actions_addclosefrom_np",
                FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
        static final MethodHandle ATTR_INIT = Native.call("posix_spawnattr_init",
                FunctionDescriptor.of(C_INT, C_POINTER));
        static final MethodHandle ATTR_DESTROY = Native.call("posix_spawnattr_destroy",
                FunctionDescriptor.of(C_INT, C_POINTER));
        static final MethodHandle ATTR_SETFLAGS = Native.call("posix_spawnattr_setflags",
                FunctionDescriptor.of(C_INT, C_POINTER, C_SHORT));
        static final MethodHandle ATTR_SETSIGMASK = Native.call("posix_spawnattr_setsigmask",
                FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
        static final MethodHandle ATTR_SETSIGDEFAULT = Native.call(
                "posix_spawnattr_setsigdefault", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
        static final MethodHandle SIGFILLSET = Native.call("sigfillset",
                FunctionDescriptor.of(C_INT, C_POINTER));
        static final MethodHandle WAITPID = Native.errnoCall("waitpid",
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
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
            check("posix_spawn_file_actions_init", path, (int) C.FA_INIT.invokeExact(fa));
            try {
                check("posix_spawnattr_init", path, (int) C.ATTR_INIT.invokeExact(attr));
                try {
                    addActions(arena, fa, path, actions);
                    cleanSignals(arena, attr, path);
                    MemorySegment pid = arena.allocate(C_INT);
                    int rc = (int) C.POSIX_SPAWN.invokeExact(pid, Native.cString(arena, path),
                            fa, attr, Native.cStringArray(arena, argv),
                            Native.cStringArray(arena, envp));
                    check("posix_spawn", path, rc);
                    return pid.get(C_INT, 0);
                } finally {
                    int ignored = (int) C.ATTR_DESTROY.invokeExact(attr);
                }
            } finally {
                int ignored = (int) C.FA_DESTROY.invokeExact(fa);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
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
            List<FdAction> actions) throws Throwable {
        int highest = 2;
        for (FdAction action : actions) {
            switch (action) {
                case FdAction.Dup2(int from, int to) -> {
                    check("posix_spawn_file_actions_adddup2", path,
                            (int) C.FA_DUP2.invokeExact(fa, from, to));
                    highest = Math.max(highest, to);
                }
                case FdAction.Close(int fd) -> check("posix_spawn_file_actions_addclose",
                        path, (int) C.FA_CLOSE.invokeExact(fa, fd));
                case FdAction.Open(int fd, Path file, int flags, int mode) -> {
                    check("posix_spawn_file_actions_addopen", file,
                            (int) C.FA_OPEN.invokeExact(fa, fd,
                                    Native.cString(arena, file.toString()), flags, mode));
                    highest = Math.max(highest, fd);
                }
            }
        }
        if (C.FA_CLOSEFROM != null) {
            check("posix_spawn_file_actions_addclosefrom_np", path,
                    (int) C.FA_CLOSEFROM.invokeExact(fa, highest + 1));
        }
    }

    private static void cleanSignals(Arena arena, MemorySegment attr, String path)
            throws Throwable {
        MemorySegment none = arena.allocate(Proc.SIGSET_BYTES);
        MemorySegment all = arena.allocate(Proc.SIGSET_BYTES);
        if ((int) C.SIGFILLSET.invokeExact(all) != 0) {
            throw new SysException("sigfillset", path, Errno.EINVAL);
        }
        check("posix_spawnattr_setsigmask", path,
                (int) C.ATTR_SETSIGMASK.invokeExact(attr, none));
        check("posix_spawnattr_setsigdefault", path,
                (int) C.ATTR_SETSIGDEFAULT.invokeExact(attr, all));
        check("posix_spawnattr_setflags", path, (int) C.ATTR_SETFLAGS.invokeExact(attr,
                (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)));
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
                int rc = (int) C.WAITPID.invokeExact(st, Math.toIntExact(pid), status, options);
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
        } catch (Throwable t) {
            throw Native.rethrow(t);
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
