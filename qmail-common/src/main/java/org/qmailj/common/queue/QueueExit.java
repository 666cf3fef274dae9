package org.qmailj.common.queue;

import java.util.Arrays;
import java.util.Optional;

/**
 * qmail-queue's exit codes (qmail-queue(8) EXIT CODES) and the report text every injector
 * gives for each, as qmail's injectors (qmail-smtpd, qmail-inject, qmail-local) word them.
 * The text starts with {@code D} (permanent) or {@code Z} (temporary), the spawn report
 * convention; {@link #reportFor(int)} covers codes not in the table.
 */
public enum QueueExit {
    OK(0, ""),
    ADDRESS_TOO_LONG(11, "Denvelope address too long for qq (#5.1.3)"),
    PERM_REFUSED(31, "Dmail server permanently rejected message (#5.3.0)"),
    NO_MEMORY(51, "Zqq out of memory (#4.3.0)"),
    TIMEOUT(52, "Zqq timeout (#4.3.0)"),
    WRITE_ERROR(53, "Zqq write error or disk full (#4.3.0)"),
    READ_ERROR(54, "Zqq read error (#4.3.0)"),
    CONFIG(55, "Zqq unable to read configuration (#4.3.0)"),
    NETWORK(56, "Zqq trouble making network connection (#4.3.0)"),
    HOME(61, "Zqq trouble in home directory (#4.3.0)"),
    QUEUE_DIR(62, "Zqq trouble creating files in queue (#4.3.0)"),
    PID_DIR(63, "Zqq trouble creating files in queue (#4.3.0)"),
    MESS_DIR(64, "Zqq trouble creating files in queue (#4.3.0)"),
    INTD_DIR(65, "Zqq trouble creating files in queue (#4.3.0)"),
    TODO_DIR(66, "Zqq trouble creating files in queue (#4.3.0)"),
    TEMP_REFUSED(71, "Zmail server temporarily rejected message (#4.3.0)"),
    CONNECT_TIMEOUT(72, "Zconnection to mail server timed out (#4.4.1)"),
    CONNECT_REJECTED(73, "Zconnection to mail server rejected (#4.4.1)"),
    COMMUNICATION(74, "Zcommunication with mail server failed (#4.4.2)"),
    /** The text is the first line the program wrote on fd 6, starting with D or Z. */
    CUSTOM(82, "Zqq temporary problem (#4.3.0)"),
    BUG(81, "Zqq internal bug (#4.3.0)"),
    ENVELOPE_FORMAT(91, "Zqq internal bug (#4.3.0)");

    public static final String CRASHED = "Zqq crashed (#4.3.0)";
    public static final String CANNOT_EXEC = "Zunable to exec qq (#4.3.0)";

    private final int code;
    private final String report;

    QueueExit(int code, String report) {
        this.code = code;
        this.report = report;
    }

    public int code() { return code; }

    /** The D/Z report text; empty for OK. */
    public String report() { return report; }

    public boolean permanent() { return report.startsWith("D"); }

    public static Optional<QueueExit> of(int code) {
        return Arrays.stream(values()).filter(e -> e.code == code).findFirst();
    }

    /** The report for any exit code, including the ranges qmail maps without naming them. */
    public static String reportFor(int code) {
        Optional<QueueExit> e = of(code);
        if (e.isPresent()) return e.get().report;
        if (code >= 11 && code <= 40) return "Dqq permanent problem (#5.3.0)";
        return "Zqq temporary problem (#4.3.0)";
    }
}
