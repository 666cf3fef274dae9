package org.qmailj.pop3d;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads command lines from the client as qmail's commands() does: a line ends at LF, one CR
 * just before it is dropped, and the line ends at its first NUL (qmail handles it as a C
 * string). Unlike qmail, a line is bounded: past {@link #MAX_LINE} bytes the reader throws
 * {@link LineTooLongException}, so a hostile client cannot make the program grow.
 *
 * <p>{@code chunk} is how much one read may take from the network: qmail-popup reads a byte at
 * a time, so that nothing the client sent after PASS is taken from the subprogram it hands
 * the connection to. Used by the session's one thread.
 */
final class CommandReader {
    /** Longest command line taken, LF excluded; RFC 2449 asks for 255 octets. */
    static final int MAX_LINE = 4096;

    private final InputStream in;
    private final byte[] buf;
    private int pos;
    private int lim;

    CommandReader(InputStream in, int chunk) {
        this.in = in;
        this.buf = new byte[chunk];
    }

    /** The next command, or null at the end of input (a partial last line is dropped). */
    Command next() throws IOException {
        byte[] line = new byte[64];
        int len = 0;
        while (true) {
            if (pos == lim) {
                int n = in.read(buf, 0, buf.length);
                if (n <= 0) return null;
                pos = 0;
                lim = n;
            }
            byte b = buf[pos++];
            if (b == '\n') break;
            if (len == MAX_LINE) throw new LineTooLongException();
            if (len == line.length) line = java.util.Arrays.copyOf(line, Math.min(MAX_LINE, len * 2));
            line[len++] = b;
        }
        if (len > 0 && line[len - 1] == '\r') len--;
        for (int i = 0; i < len; i++) {
            if (line[i] == 0) {
                len = i;
                break;
            }
        }
        return Command.parse(new String(line, 0, len, StandardCharsets.ISO_8859_1));
    }
}
