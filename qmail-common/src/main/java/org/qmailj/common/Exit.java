package org.qmailj.common;

/**
 * The one way a program ends. Flushes System.out and System.err, then halts the JVM.
 *
 * <p>Why halt and not System.exit: since JDK 17, Runtime.exit logs through System.Logger,
 * which loads about 70 logging classes (a measurable part of a short tool's start-up, and not
 * in the AOT cache). Programs of this suite register no shutdown hooks that matter at exit;
 * a daemon that needs clean-up does it before calling this.
 */
public final class Exit {
    /** qmail's conventional exit codes: success, temporary failure, permanent failure. */
    public static final int OK = 0;
    public static final int HARD = 100;
    public static final int SOFT = 111;

    private Exit() {}

    public static void now(int code) {
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(code);
    }
}
