package org.qmailj.common.sys;

import java.io.IOException;

/**
 * A failed POSIX call: the one exception type of this package.
 *
 * <p>It carries the C {@code errno} (Linux x86_64 numbering, see {@link Errno}) so callers can
 * decide temporary versus permanent the way qmail does, and a message in the form
 * {@code "mkfifo /var/qmail/queue/lock/trigger: File exists (errno 17)"}: the call, what it was
 * applied to, {@code strerror(errno)} and the number.
 */
public final class SysException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String call;

    SysException(String call, Object subject, int errno) {
        super(message(call, subject, errno));
        this.errno = errno;
        this.call = call;
    }

    private static String message(String call, Object subject, int errno) {
        String what = subject == null ? call : call + " " + subject;
        return what + ": " + Native.strerror(errno) + " (errno " + errno + ")";
    }

    /** The C errno the call failed with. */
    public int errno() {
        return errno;
    }

    /** The name of the C function that failed, e.g. {@code "mkfifo"}. */
    public String call() {
        return call;
    }
}
