package org.qmailj.common.sys;


import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * chdir(2) of the whole process, as daemontools' supervise and svscan do before they start
 * {@code ./run} or {@code supervise name}: children started with {@link Spawn} inherit the
 * process's working directory.
 *
 * <p>The JDK does not know about the change: {@code user.dir} and
 * {@code Path.toAbsolutePath()} keep the directory the JVM started in, while relative paths
 * handed to the kernel (by the JDK or by this package) resolve against the new one. Callers
 * should therefore use absolute paths in Java after calling this.
 *
 * <p>Errors throw {@link SysException}. Process-wide: call it from one thread, early.
 */
public final class Chdir {
    private static final class C {
        static final Native.Fn CHDIR = Native.fn("chdir");
    }

    private Chdir() {
    }

    /** chdir(2). */
    public static void to(Path dir) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            int rc = (int) C.CHDIR.call(st, Native.ptr(Native.cString(arena, dir.toString())));
            if (rc == -1) {
                throw Native.fail("chdir", dir, st);
            }
        }
    }
}
