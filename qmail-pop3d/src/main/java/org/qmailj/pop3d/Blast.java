package org.qmailj.pop3d;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * qmail-pop3d's blast(): a message file on its way to the client, streamed, never held.
 *
 * <p>Each line (up to LF) is sent with CRLF in place of the LF; a CR already before the LF is
 * kept, so a CRLF line goes out as CR CR LF, as qmail's. A line starting with a dot gets one
 * more (byte-stuffing). A last line without LF is ended with CRLF. With a limit (TOP n: n + 1,
 * 0 for the whole message), the header lines and the blank line after them are sent, then
 * n body lines. Then the extra blank line qmail-pop3d appends to every message, and the dot:
 * {@code CRLF . CRLF}.
 */
final class Blast {
    private Blast() { }

    /** A failure to read the message: qmail-pop3d dies (no terminating dot). */
    static final class ReadException extends IOException {
        private static final long serialVersionUID = 1L;

        ReadException(IOException cause) {
            super(cause);
        }
    }

    static void blast(InputStream msg, OutputStream out, long limit) throws IOException {
        byte[] buf = new byte[65536];
        boolean lineStart = true;
        boolean inHeaders = true;
        long left = limit;
        loop:
        while (true) {
            int n;
            try {
                n = msg.read(buf);
            } catch (IOException e) {
                throw new ReadException(e);
            }
            if (n < 0) break;
            int i = 0;
            while (i < n) {
                if (lineStart) {
                    // A new line begins: count it against the limit, as qmail does before sending.
                    if (left != 0 && !inHeaders && --left == 0) break loop;
                    if (buf[i] == '\n') {
                        inHeaders = false;
                        out.write('\r');
                        out.write('\n');
                        i++;
                        continue;
                    }
                    if (buf[i] == '.') out.write('.');
                    lineStart = false;
                }
                int start = i;
                while (i < n && buf[i] != '\n') i++;
                out.write(buf, start, i - start);
                if (i < n) {
                    out.write('\r');
                    out.write('\n');
                    i++;
                    lineStart = true;
                }
            }
        }
        if (!lineStart) {
            out.write('\r');
            out.write('\n');
        }
        out.write(END);
        out.flush();
    }

    private static final byte[] END = {'\r', '\n', '.', '\r', '\n'};
}
