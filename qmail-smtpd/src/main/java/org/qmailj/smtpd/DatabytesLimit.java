package org.qmailj.smtpd;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * databytes: passes at most {@code limit} bytes of the message (0: no limit). At the first
 * byte beyond, it marks the message as oversized and drops the rest, which keeps being read
 * from the client as qmail does, so the client gets its 552 after the final dot.
 */
final class DatabytesLimit extends FilterOutputStream {
    private final long limit;
    private long count;
    private boolean exceeded;

    DatabytesLimit(OutputStream out, long limit) {
        super(out);
        this.limit = limit;
    }

    boolean exceeded() { return exceeded; }

    /** Bytes passed on. */
    long count() { return count; }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (exceeded) return;
        if (limit > 0 && count + len > limit) {
            out.write(b, off, (int) (limit - count));
            count = limit;
            exceeded = true;
            return;
        }
        count += len;
        out.write(b, off, len);
    }
}
