package org.qmailj.smtpd;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Netstrings ({@code LEN:bytes,}) as QMQP and QMTP use them, read strictly: the length is one
 * or more decimal digits and nothing else, at most {@link #MAX_LENGTH} (qmail's 200000000
 * guard, beyond which it gives up for lack of resources), then a colon; after the bytes a
 * comma. Anything else is a {@link BadNetstringException}.
 */
final class Netstring {
    static final long MAX_LENGTH = 2_000_000_000L;

    private Netstring() { }

    static final class BadNetstringException extends IOException {
        BadNetstringException(String what) { super("bad netstring: " + what); }
    }

    /** Reads {@code LEN:} and returns LEN. */
    static long length(LineInput in) throws IOException {
        long len = 0;
        int digits = 0;
        while (true) {
            int ch = in.get();
            if (ch == ':') {
                if (digits == 0) throw new BadNetstringException("no length");
                return len;
            }
            if (ch < '0' || ch > '9') throw new BadNetstringException("length is not a number");
            len = len * 10 + (ch - '0');
            if (++digits > 10 || len > MAX_LENGTH) throw new BadNetstringException("too long");
        }
    }

    static void comma(LineInput in) throws IOException {
        if (in.get() != ',') throw new BadNetstringException("no comma");
    }

    /** Copies exactly {@code n} bytes from {@code in} to {@code out}. */
    static void copy(LineInput in, long n, OutputStream out) throws IOException {
        while (n > 0) {
            if (in.pos == in.lim && !in.fill()) throw new java.io.EOFException();
            int k = (int) Math.min(n, in.lim - in.pos);
            out.write(in.buf, in.pos, k);
            in.pos += k;
            n -= k;
        }
    }

    static byte[] encode(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return (b.length + ":" + s + ",").getBytes(StandardCharsets.ISO_8859_1);
    }
}
