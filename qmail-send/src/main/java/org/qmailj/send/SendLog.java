package org.qmailj.send;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * qmail-send's activity record on descriptor 0 (qmail-log(5)). The lines themselves come from
 * {@link org.qmailj.common.log.QmailLog}. One line is one write, so lines of the scheduler and
 * the todo thread never interleave. A logger that went away does not stop deliveries.
 */
final class SendLog {
    private final OutputStream out;
    private final LogTail tail = new LogTail();

    SendLog(OutputStream out) {
        this.out = out;
    }

    synchronized void line(String line) {
        tail.add(line);
        try {
            out.write(line.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            // The logger died; qmail-send carries on (its writes to fd 0 fail the same way).
        }
    }

    /** The last lines written, oldest first (for the status page). */
    synchronized java.util.List<LogTail.Line> tail() {
        return tail.lines();
    }
}
