package org.qmailj.remote.dkim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * DKIM's "relaxed" canonicalization (RFC 6376 3.4.2 and 3.4.4). Text is handled as bytes
 * (ISO-8859-1 strings map them one to one), and in the queue file's form: a line ends in LF,
 * which qmail-remote sends as CRLF, so an LF here stands for the CRLF on the wire.
 */
public final class Relaxed {
    private Relaxed() {
    }

    /**
     * One header field, canonicalized, without its final CRLF: the name in lower case, no
     * space around the colon, the value unfolded, each run of spaces and tabs made one space
     * and none at either end.
     *
     * @param field the field as it stands in the message, continuation lines joined by LF
     */
    public static String header(String field) {
        int colon = field.indexOf(':');
        String name = field.substring(0, colon).stripTrailing().toLowerCase(java.util.Locale.ROOT);
        StringBuilder b = new StringBuilder(field.length()).append(name).append(':');
        boolean space = false;
        boolean content = false;
        for (int i = colon + 1; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\n') continue; // unfolding: the CRLF goes, the WSP after it stays
            if (c == ' ' || c == '\t') {
                space = true;
                continue;
            }
            if (space && content) b.append(' ');
            space = false;
            content = true;
            b.append(c);
        }
        return b.toString();
    }

    /**
     * The body hash, computed as the body streams past: nothing is kept but the pending
     * space and the count of empty lines that are dropped if nothing else follows them.
     */
    public static final class Body {
        private static final byte[] CRLF = {'\r', '\n'};
        private final MessageDigest digest;
        private final byte[] out = new byte[16384];
        private int n;
        private boolean space;
        private boolean lineContent;
        private long emptyLines;

        public Body() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no SHA-256", e);
            }
        }

        public void update(byte[] b, int off, int len) {
            int end = off + len;
            for (int i = off; i < end; i++) {
                byte c = b[i];
                if (c == '\n') {
                    space = false;
                    if (lineContent) emit(CRLF);
                    else emptyLines++;
                    lineContent = false;
                } else if (c == ' ' || c == '\t') {
                    space = true;
                } else {
                    if (!lineContent) {
                        for (; emptyLines > 0; emptyLines--) emit(CRLF);
                    }
                    if (space) put((byte) ' ');
                    space = false;
                    lineContent = true;
                    int j = i + 1; // the rest of the word goes as it is
                    while (j < end && b[j] != '\n' && b[j] != ' ' && b[j] != '\t') j++;
                    put(b, i, j - i);
                    i = j - 1;
                }
            }
        }

        /** The hash of the canonical body; a last line without LF is ended as the wire would be. */
        public byte[] hash() {
            if (lineContent) emit(CRLF);
            lineContent = false;
            digest.update(out, 0, n);
            n = 0;
            return digest.digest();
        }

        private void emit(byte[] b) {
            for (byte x : b) put(x);
        }

        private void put(byte[] b, int off, int len) {
            if (len > out.length - n) {
                digest.update(out, 0, n);
                n = 0;
                if (len >= out.length) {
                    digest.update(b, off, len);
                    return;
                }
            }
            System.arraycopy(b, off, out, n, len);
            n += len;
        }

        private void put(byte c) {
            if (n == out.length) {
                digest.update(out, 0, n);
                n = 0;
            }
            out[n++] = c;
        }
    }

    /** The relaxed body hash of a whole body given at once (tests, small inputs). */
    public static byte[] bodyHash(String body) {
        Body b = new Body();
        byte[] x = body.getBytes(StandardCharsets.ISO_8859_1);
        b.update(x, 0, x.length);
        return b.hash();
    }
}
