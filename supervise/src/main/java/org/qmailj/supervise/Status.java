package org.qmailj.supervise;

import org.qmailj.common.tai.Tai64n;

/**
 * The 18 bytes of {@code supervise/status}, as daemontools 0.76 writes them:
 * <pre>
 *   0..11  TAI64N label of the last change of pid (start or exit of ./run)
 *  12..15  pid of ./run, little-endian; 0 when down
 *  16      1 if paused (svc -p), 0 otherwise; always 0 when down
 *  17      'u' wanted up, 'd' wanted down, 0 for "run once" (svc -o)
 * </pre>
 * supervise writes it to {@code status.new}, then renames that over {@code status}.
 */
public record Status(Tai64n when, long pid, boolean paused, byte want) {
    public static final int BYTES = 18;
    public static final byte WANT_UP = 'u';
    public static final byte WANT_DOWN = 'd';
    public static final byte WANT_ONCE = 0;

    public byte[] encode() {
        byte[] b = new byte[BYTES];
        when.pack(b, 0);
        long u = pid;
        for (int i = 12; i < 16; i++) {
            b[i] = (byte) u;
            u >>>= 8;
        }
        b[16] = (byte) (pid != 0 && paused ? 1 : 0);
        b[17] = want;
        return b;
    }

    /** Decodes 18 bytes; {@code paused} is byte 16 as stored. */
    public static Status decode(byte[] b) {
        if (b.length < BYTES) {
            throw new IllegalArgumentException("status is " + b.length + " bytes, not " + BYTES);
        }
        long pid = 0;
        for (int i = 15; i >= 12; i--) {
            pid = (pid << 8) | (b[i] & 0xff);
        }
        return new Status(Tai64n.unpack(b, 0), pid, b[16] != 0, b[17]);
    }
}
