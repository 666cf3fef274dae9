package org.qmailj.smtpd;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The first filter of DATA: turns the SMTP text after "354" into the message as stored,
 * exactly as qmail-smtpd's blast(): CR LF becomes LF, a dot at the start of a line is
 * removed, CR LF . CR LF ends the message (and is not part of it), a lone CR is kept, and a
 * LF not preceded by CR anywhere is refused ({@link StrayNewlineException}: qmail answers
 * 451 and drops the connection). Reads from the session's buffer and never past the final
 * dot line, so pipelined commands after it stay there. End of input is an EOFException.
 *
 * <p>States (qmail's numbers): 0 in a line, 1 after CR LF (start of a line), 2 after CR LF
 * and a dot, 3 after CR LF . CR, 4 after a CR.
 */
final class DataDecoder extends InputStream {
    private final LineInput in;
    private int state = 1;
    private boolean done;
    private final byte[] pend = new byte[3];
    private int pendPos;
    private int pendLen;

    DataDecoder(LineInput in) {
        this.in = in;
    }

    static final class StrayNewlineException extends IOException {
        StrayNewlineException() { super("bare LF in DATA"); }
    }

    @Override
    public int read() throws IOException {
        byte[] b = new byte[1];
        int n = read(b, 0, 1);
        return n < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        int o = off;
        int end = off + len;
        while (pendPos < pendLen && o < end) b[o++] = pend[pendPos++];
        if (pendPos == pendLen) pendPos = pendLen = 0;
        byte[] buf = in.buf;
        while (o < end && !done) {
            if (in.pos == in.lim) {
                if (o > off) break;
                if (!in.fill()) throw new EOFException("end of input in DATA");
            }
            int p = in.pos;
            int lim = in.lim;
            // Fast path: plain bytes in the middle of a line.
            if (state == 0) {
                while (p < lim && o < end) {
                    byte ch = buf[p];
                    if (ch == '\r' || ch == '\n') break;
                    b[o++] = ch;
                    p++;
                }
                in.pos = p;
                if (p == lim || o == end) continue;
            }
            byte ch = buf[in.pos++];
            switch (state) {
                case 0 -> {
                    if (ch == '\n') throw new StrayNewlineException();
                    if (ch == '\r') { state = 4; continue; }
                }
                case 1 -> {
                    if (ch == '\n') throw new StrayNewlineException();
                    if (ch == '.') { state = 2; continue; }
                    if (ch == '\r') { state = 4; continue; }
                    state = 0;
                }
                case 2 -> {
                    if (ch == '\n') throw new StrayNewlineException();
                    if (ch == '\r') { state = 3; continue; }
                    state = 0;
                }
                case 3 -> {
                    if (ch == '\n') { done = true; continue; }
                    o = put(b, o, end, (byte) '.');
                    o = put(b, o, end, (byte) '\r');
                    if (ch == '\r') { state = 4; continue; }
                    state = 0;
                }
                case 4 -> {
                    if (ch == '\n') {
                        state = 1;
                    } else if (ch != '\r') {
                        o = put(b, o, end, (byte) '\r');
                        state = 0;
                    }
                }
                default -> throw new IllegalStateException();
            }
            o = put(b, o, end, ch);
        }
        if (o == off && done) return -1;
        return o - off;
    }

    private int put(byte[] b, int o, int end, byte ch) {
        if (o < end) {
            b[o] = ch;
            return o + 1;
        }
        pend[pendLen++] = ch;
        return o;
    }

    /** True once the final dot line has been read. */
    boolean finished() { return done && pendPos == pendLen; }
}
