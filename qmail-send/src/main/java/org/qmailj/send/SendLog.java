package org.qmailj.send;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * qmail-send's activity record on descriptor 0 (qmail-log(5)). The lines themselves come from
 * {@link org.qmailj.common.log.QmailLog}. Lines go through one buffer under one lock, so lines
 * of the scheduler and the todo thread never interleave and keep the order they were made in.
 * A logger that went away does not stop deliveries.
 *
 * <p>While a part holds the log ({@link #hold}: the scheduler during a round, the todo thread
 * during a batch) lines wait in the buffer, and the last {@link #release} writes them in one
 * write: a delivery's five lines cost one pipe write (and one wake-up of the logger) instead of
 * five. A line waits at most until that round or batch ends, or until {@link #FLUSH_AT} bytes
 * are pending. Without a hold each line is written at once.
 */
final class SendLog {
    /** Pending bytes that are written even while held. */
    static final int FLUSH_AT = 16384;

    private final OutputStream out;
    private final LogTail tail = new LogTail();
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream(FLUSH_AT);
    private int holds;

    SendLog(OutputStream out) {
        this.out = out;
    }

    synchronized void line(String line) {
        tail.add(line);
        byte[] b = line.getBytes(StandardCharsets.ISO_8859_1);
        pending.write(b, 0, b.length);
        if (holds == 0 || pending.size() >= FLUSH_AT) flush();
    }

    /** Lines wait in the buffer until the matching {@link #release}. */
    synchronized void hold() {
        holds++;
    }

    /** Ends a {@link #hold}; the last one writes what is pending. */
    synchronized void release() {
        if (holds > 0) holds--;
        if (holds == 0) flush();
    }

    private void flush() {
        if (pending.size() == 0) return;
        try {
            pending.writeTo(out);
            out.flush();
        } catch (IOException e) {
            // The logger died; qmail-send carries on (its writes to fd 0 fail the same way).
        }
        pending.reset();
    }

    /** The last lines written, oldest first (for the status page). */
    synchronized java.util.List<LogTail.Line> tail() {
        return tail.lines();
    }
}
