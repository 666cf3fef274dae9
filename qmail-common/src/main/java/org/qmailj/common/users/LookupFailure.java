package org.qmailj.common.users;

/**
 * A user lookup that cannot go on. Its cause carries the qlx code (qmail's qlx.h) that
 * qmail-lspawn's child, or qmail-getpw, would exit with.
 */
public final class LookupFailure extends Exception {
    /** The qlx codes a lookup can fail with. */
    public enum Cause {
        /** Bad arguments (the empty local part). */
        USAGE(112),
        NFS(103),
        NOALIAS(104),
        CDB(105),
        SYS(106);

        private final int qlx;

        Cause(int qlx) {
            this.qlx = qlx;
        }

        /** The exit code, as org.qmailj.local.LocalExit numbers it. */
        public int qlx() {
            return qlx;
        }
    }

    private final Cause cause;

    public LookupFailure(Cause cause) {
        super(cause.name(), null, false, false);
        this.cause = cause;
    }

    public Cause reason() {
        return cause;
    }
}
