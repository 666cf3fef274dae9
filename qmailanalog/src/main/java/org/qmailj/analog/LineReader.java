package org.qmailj.analog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Lines of a log, one at a time, as ISO-8859-1 text (bytes in, the same bytes out). A line
 * longer than {@link #MAX} keeps its first MAX bytes: a corrupt log with no newlines must not
 * fill the heap.
 */
final class LineReader {
    static final int MAX = 64 * 1024;

    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int len;
    private final byte[] line = new byte[MAX];
    /** Whether the last line returned ended with a newline (matchup drops a partial last line). */
    private boolean complete;

    LineReader(InputStream in) {
        this.in = in;
    }

    /** The next line without its newline, or null at the end of the input. */
    String next() throws IOException {
        int n = 0;
        boolean any = false;
        while (true) {
            if (pos == len) {
                len = in.read(buf, 0, buf.length);
                pos = 0;
                if (len <= 0) {
                    len = 0;
                    complete = false;
                    return any ? new String(line, 0, n, StandardCharsets.ISO_8859_1) : null;
                }
            }
            any = true;
            byte b = buf[pos++];
            if (b == '\n') {
                complete = true;
                return new String(line, 0, n, StandardCharsets.ISO_8859_1);
            }
            if (n < MAX) line[n++] = b;
        }
    }

    boolean complete() {
        return complete;
    }
}
