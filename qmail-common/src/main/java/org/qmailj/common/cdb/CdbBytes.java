package org.qmailj.common.cdb;

/** The cdb hash and little-endian uint32 access, shared by reader, checker and writer. */
final class CdbBytes {
    static final int HEADER = 2048;

    private CdbBytes() {}

    /** h = 5381; for each byte c: h = (h * 33) ^ c, modulo 2^32. */
    static int hash(byte[] b, int off, int len) {
        int h = 5381;
        for (int i = off; i < off + len; i++) {
            h = ((h << 5) + h) ^ (b[i] & 0xff);
        }
        return h;
    }

    static int hash(byte[] b) {
        return hash(b, 0, b.length);
    }

    static long u32(byte[] b, long at) {
        int i = (int) at;
        return (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24;
    }

    static void putU32(byte[] b, int at, long v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    /** One byte per char (ISO-8859-1), refusing chars that do not fit, so keys never change silently. */
    static byte[] latin1(String s) {
        byte[] b = new byte[s.length()];
        for (int i = 0; i < b.length; i++) {
            char c = s.charAt(i);
            if (c > 0xff) {
                throw new IllegalArgumentException("char U+%04X at index %d is not one byte".formatted((int) c, i));
            }
            b[i] = (byte) c;
        }
        return b;
    }
}
