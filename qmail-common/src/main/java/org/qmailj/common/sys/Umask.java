package org.qmailj.common.sys;



/**
 * umask(2). It cannot fail. The mask is process-wide: set it early in main(), before other
 * threads create files, as qmail's programs do ({@code umask(033)} in qmail-queue etc.).
 */
public final class Umask {
    private static final class C {
        static final Native.Fn UMASK = Native.fn("umask");
    }

    private Umask() {
    }

    /** Sets the file mode creation mask; returns the previous one. */
    public static int set(int mask) {
        return (int) C.UMASK.call(Native.NO_ERRNO, mask);
    }
}
