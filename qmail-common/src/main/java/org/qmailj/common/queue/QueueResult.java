package org.qmailj.common.queue;

/**
 * What qmail-queue (or a program offering its interface) answered: its exit code and the
 * report every injector shows, {@code D...} permanent or {@code Z...} temporary, empty when
 * the message is queued. For exit 82 the report is the program's own text from fd 6.
 *
 * <p>{@code qp} is qmail_qp: the number the queue recorded as the message's {@code p} field,
 * which qmail-smtpd reports in "250 ok ... qp N", qmail-qmqpd and qmail-qmtpd in
 * "Kok ... qp N", and qmail-send logs in "bounce msg N qp Q" and "info msg M: ... qp Q".
 * For a qmail-queue process it is that process's pid; for the queue writer daemon, what the
 * writer recorded (see {@link WriterProtocol}); 0 when unknown, and always 0 when the
 * message was not queued.
 */
public record QueueResult(int exit, String report, long qp) {

    public QueueResult(int exit, String report) {
        this(exit, report, 0);
    }

    public static QueueResult ofExit(int exit) {
        return new QueueResult(exit, exit == 0 ? "" : QueueExit.reportFor(exit));
    }

    /** The queued outcome of message with qp {@code qp}. */
    public static QueueResult queued(long qp) {
        return new QueueResult(0, "", qp);
    }

    /** This result with {@code qp}. */
    public QueueResult withQp(long qp) {
        return new QueueResult(exit, report, qp);
    }

    public boolean ok() { return exit == 0 && report.isEmpty(); }

    public boolean permanent() { return report.startsWith("D"); }

    /** The report without its D/Z byte, as qmail-smtpd puts it after "451 " or "554 ". */
    public String text() { return report.isEmpty() ? "" : report.substring(1); }
}
