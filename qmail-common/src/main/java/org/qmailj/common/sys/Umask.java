package org.qmailj.common.sys;

import static org.qmailj.common.sys.Native.C_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

/**
 * umask(2). It cannot fail. The mask is process-wide: set it early in main(), before other
 * threads create files, as qmail's programs do ({@code umask(033)} in qmail-queue etc.).
 */
public final class Umask {
    private static final class C {
        static final MethodHandle UMASK = Native.call("umask",
                FunctionDescriptor.of(C_INT, C_INT));
    }

    private Umask() {
    }

    /** Sets the file mode creation mask; returns the previous one. */
    public static int set(int mask) {
        try {
            return (int) C.UMASK.invokeExact(mask);
        } catch (Throwable t) {
            throw Native.unchecked(t);
        }
    }
}
