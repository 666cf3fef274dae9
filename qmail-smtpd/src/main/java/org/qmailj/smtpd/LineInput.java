package org.qmailj.smtpd;

import java.io.EOFException;
import java.io.Flushable;
import java.io.IOException;
import java.io.InputStream;

/**
 * The session's read buffer over the network, as qmail's ssin: before every read from the
 * network the pending replies are flushed (saferead), which is what makes PIPELINING work
 * without a flush per reply. Command lines end at LF; a CR before it is dropped. A line
 * longer than the limit is refused ({@link OverLimitException}) so memory stays bounded.
 * The DATA decoder reads the same buffer, so nothing after the final dot is consumed.
 * Used by the session's single thread.
 */
final class LineInput {
    final byte[] buf = new byte[8192];
    int pos;
    int lim;
    private final InputStream in;
    private final Flushable beforeRead;

    LineInput(InputStream in, Flushable beforeRead) {
        this.in = in;
        this.beforeRead = beforeRead;
    }

    /** Refills the empty buffer; false at end of input. */
    boolean fill() throws IOException {
        beforeRead.flush();
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) return false;
        pos = 0;
        lim = n;
        return true;
    }

    /** Drops what is buffered (after STARTTLS: what the client pipelined in plain text). */
    void discard() {
        pos = lim;
    }

    /** The next byte; EOFException at end of input. */
    int get() throws IOException {
        if (pos == lim && !fill()) throw new EOFException();
        return buf[pos++] & 0xff;
    }

    /**
     * The next line without its LF (and a CR just before it), cut at its first NUL as the C
     * string would be. EOFException at end of input, also in the middle of a line.
     */
    String readLine(int max) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            if (pos == lim && !fill()) throw new EOFException();
            int start = pos;
            while (pos < lim && buf[pos] != '\n') pos++;
            int n = pos - start;
            if (line.length() + n > max) throw new OverLimitException("command line too long");
            line.append(new String(buf, start, n, java.nio.charset.StandardCharsets.ISO_8859_1));
            if (pos < lim) {
                pos++;
                break;
            }
        }
        int len = line.length();
        if (len > 0 && line.charAt(len - 1) == '\r') line.setLength(len - 1);
        int nul = line.indexOf("\0");
        if (nul >= 0) line.setLength(nul);
        return line.toString();
    }
}
