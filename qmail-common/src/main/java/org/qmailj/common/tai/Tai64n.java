package org.qmailj.common.tai;

import java.time.Instant;

/**
 * A TAI64N label as daemontools writes it: 8 bytes big-endian TAI64 seconds
 * (2^62 + 10 + UNIX seconds, djb's libtai taking TAI-UTC as 10 s) and 4 bytes big-endian
 * nanoseconds. {@link #now()} takes microseconds and adds 500 ns, as libtai's taia_now does,
 * so stamps look exactly like those of supervise and multilog.
 *
 * <p>Used by supervise/status (bytes 0-11) and by multilog/tai64n (24 lowercase hex digits
 * after an {@code @}).
 */
public record Tai64n(long label, int nanos) {
    /** 2^62 + 10: the TAI64 label of UNIX time 0 in libtai. */
    public static final long UNIX_EPOCH = 0x400000000000000aL;
    public static final int PACKED_BYTES = 12;
    public static final int HEX_DIGITS = 24;

    public static Tai64n now() {
        return of(Instant.now());
    }

    public static Tai64n of(Instant i) {
        return new Tai64n(UNIX_EPOCH + i.getEpochSecond(), (i.getNano() / 1000) * 1000 + 500);
    }

    /** The UNIX seconds of this label. */
    public long unixSeconds() {
        return label - UNIX_EPOCH;
    }

    /** Writes the 12 packed bytes at {@code off}. */
    public void pack(byte[] b, int off) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (label >>> (56 - 8 * i));
        }
        for (int i = 0; i < 4; i++) {
            b[off + 8 + i] = (byte) (nanos >>> (24 - 8 * i));
        }
    }

    public static Tai64n unpack(byte[] b, int off) {
        long l = 0;
        for (int i = 0; i < 8; i++) {
            l = (l << 8) | (b[off + i] & 0xff);
        }
        int n = 0;
        for (int i = 0; i < 4; i++) {
            n = (n << 8) | (b[off + 8 + i] & 0xff);
        }
        return new Tai64n(l, n);
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Writes the 24 lowercase hex digits at {@code off} (no {@code @}). */
    public void hex(byte[] out, int off) {
        for (int i = 0; i < 16; i++) {
            out[off + i] = HEX[(int) (label >>> (60 - 4 * i)) & 15];
        }
        for (int i = 0; i < 8; i++) {
            out[off + 16 + i] = HEX[(nanos >>> (28 - 4 * i)) & 15];
        }
    }

    public String hex() {
        byte[] h = new byte[HEX_DIGITS];
        hex(h, 0);
        return new String(h, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Parses 24 hex digits (either case) at {@code off}; null if they are not all hex. */
    public static Tai64n parseHex(byte[] in, int off, int len) {
        if (len - off < HEX_DIGITS) {
            return null;
        }
        byte[] p = new byte[PACKED_BYTES];
        for (int i = 0; i < HEX_DIGITS; i++) {
            int d = Character.digit(in[off + i], 16);
            if (d < 0) {
                return null;
            }
            p[i / 2] = (byte) ((p[i / 2] << 4) | d);
        }
        return unpack(p, 0);
    }
}
