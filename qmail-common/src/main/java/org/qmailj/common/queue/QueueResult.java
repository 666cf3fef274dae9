package org.qmailj.common.queue;

/**
 * What qmail-queue (or a program offering its interface) answered: its exit code and the
 * report every injector shows, {@code D...} permanent or {@code Z...} temporary, empty when
 * the message is queued. For exit 82 the report is the program's own text from fd 6.
 */
public record QueueResult(int exit, String report) {

    public static QueueResult ofExit(int exit) {
        return new QueueResult(exit, exit == 0 ? "" : QueueExit.reportFor(exit));
    }

    public boolean ok() { return exit == 0 && report.isEmpty(); }

    public boolean permanent() { return report.startsWith("D"); }

    /** The report without its D/Z byte, as qmail-smtpd puts it after "451 " or "554 ". */
    public String text() { return report.isEmpty() ? "" : report.substring(1); }
}
