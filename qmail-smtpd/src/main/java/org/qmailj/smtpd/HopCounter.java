package org.qmailj.smtpd;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Counts hops while the message passes, as qmail-smtpd's blast() does: in the header, every
 * line starting with "received" or "delivered" (each letter in lower or upper case) is a
 * hop; the first empty line ends the header. qmail-smtpd refuses a message with 100 hops or
 * more. Counts the decoded message, where qmail looks at the network bytes; the two differ
 * only for header lines starting with a dot.
 */
final class HopCounter extends FilterOutputStream {
    private static final byte[] RECEIVED_LC = "received".getBytes();
    private static final byte[] RECEIVED_UC = "RECEIVED".getBytes();
    private static final byte[] DELIVERED_LC = "delivered".getBytes();
    private static final byte[] DELIVERED_UC = "DELIVERED".getBytes();

    private boolean inHeader = true;
    private int pos;
    private boolean maybeReceived = true;
    private boolean maybeDelivered = true;
    private int hops;

    HopCounter(OutputStream out) {
        super(out);
    }

    int hops() { return hops; }

    @Override
    public void write(int b) throws IOException {
        see((byte) b);
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        for (int i = off; inHeader && i < off + len; i++) see(b[i]);
        out.write(b, off, len);
    }

    private void see(byte ch) {
        if (!inHeader) return;
        if (pos < 9) {
            if (ch != DELIVERED_LC[pos] && ch != DELIVERED_UC[pos]) maybeDelivered = false;
            if (maybeDelivered && pos == 8) hops++;
            if (pos < 8 && ch != RECEIVED_LC[pos] && ch != RECEIVED_UC[pos]) maybeReceived = false;
            if (maybeReceived && pos == 7) hops++;
            if (pos == 0 && ch == '\n') inHeader = false;
            pos++;
        }
        if (ch == '\n') {
            pos = 0;
            maybeReceived = maybeDelivered = true;
        }
    }
}
