package org.qmailj.common.sys;


import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * unlink(2) alone. java.nio's {@code Files.delete} and {@code deleteIfExists} first lstat the
 * name (to choose between unlink and rmdir), one more system call for every queue file removed;
 * a queue file is never a directory, so {@link #ifExists} asks the kernel once and takes ENOENT
 * as "already gone".
 */
public final class Unlink {
    private static final class C {
        static final Native.Fn UNLINK = Native.fn("unlink");
    }

    private Unlink() {
    }

    /** Removes {@code path}; true if it was there, false if it was not (ENOENT). */
    public static boolean ifExists(Path path) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment p = Native.cString(arena, path.toString());
            while (true) {
                int rc = (int) C.UNLINK.call(st, Native.ptr(p));
                if (rc == 0) return true;
                int errno = Native.errno(st);
                if (errno == Errno.ENOENT) return false;
                if (errno != Errno.EINTR) throw Native.fail("unlink", path, st);
            }
        }
    }
}
