package org.qmailj.local;

/**
 * qmail's {@code qlx.h}: the exit codes qmail-local and qmail-lspawn's child use, and the
 * report qmail-lspawn makes of each (qmail-lspawn.c {@code report()}).
 */
public enum LocalExit {
    OK(0),
    SOFT(111),
    HARD(100),
    /** Bad arguments: qmail-local's usage error; in qmail-lspawn "Internal qmail-lspawn bug.". */
    USAGE(112),
    ROOT(102),
    NFS(103),
    NOALIAS(104),
    CDB(105),
    SYS(106),
    NOMEM(107),
    EXECSOFT(108),
    EXECPW(109),
    EXECHARD(110);

    private final int code;

    LocalExit(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /**
     * The spawn report for an exit code and the child's output, as qmail-lspawn writes it to
     * qmail-send: {@code K}, {@code Z} or {@code D}, then text. The qlx codes carry their own
     * text; 0 is K, 111/71/74/75 are Z, 100 and anything else D, each followed by the output
     * up to its first NUL.
     */
    public static String report(int exit, String output) {
        String fixed = switch (exit) {
            case 105 -> "ZTrouble reading users/cdb in qmail-lspawn.\n";
            case 107 -> "ZOut of memory in qmail-lspawn.\n";
            case 106 -> "ZTemporary failure in qmail-lspawn.\n";
            case 104 -> "ZUnable to find alias user!\n";
            case 102 -> "ZNot allowed to perform deliveries as root.\n";
            case 112 -> "ZInternal qmail-lspawn bug.\n";
            case 103 -> "ZNFS failure in qmail-local.\n";
            case 110 -> "DUnable to run qmail-local.\n";
            case 108 -> "ZUnable to run qmail-local.\n";
            case 109 -> "ZUnable to run qmail-getpw.\n";
            default -> null;
        };
        if (fixed != null) {
            return fixed;
        }
        char kind = switch (exit) {
            case 0 -> 'K';
            case 111, 71, 74, 75 -> 'Z';
            default -> 'D';
        };
        int nul = output.indexOf('\0');
        return kind + (nul < 0 ? output : output.substring(0, nul));
    }

    /** qmail-lspawn's report for a child killed by a signal. */
    public static final String CRASHED = "Zqmail-local crashed.\n";
}
