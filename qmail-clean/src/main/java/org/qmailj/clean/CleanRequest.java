package org.qmailj.clean;

import java.nio.charset.StandardCharsets;

/**
 * One qmail-clean command: {@code foop/N\0} or {@code todo/N\0} (FORMATS.md). qmail-send's
 * {@code foop/} is only a command word: it removes {@code intd/N} and {@code mess/S/N}.
 */
public record CleanRequest(Kind kind, long id) {

    public enum Kind {
        /** Remove intd/N and mess/S/N: the message is finished (or a 36-hour leftover). */
        FOOP("foop/"),
        /** Remove intd/N and todo/N: preprocessing is done. */
        TODO("todo/");

        final String word;

        Kind(String word) { this.word = word; }
    }

    /** The longest command accepted; longer ones are answered {@code x}. */
    public static final int MAX = 100;

    public byte[] encode() {
        return (kind.word + id + "\0").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The command as qmail-send logs it, e.g. {@code foop/457}. */
    public String name() {
        return kind.word + id;
    }

    /**
     * Parses a command without its NUL. Returns null for anything that is not exactly
     * {@code foop/} or {@code todo/} followed by 1 to 19 digits.
     */
    public static CleanRequest parse(byte[] b, int len) {
        String s = new String(b, 0, len, StandardCharsets.ISO_8859_1);
        for (Kind k : Kind.values()) {
            if (!s.startsWith(k.word)) continue;
            String digits = s.substring(k.word.length());
            if (digits.isEmpty() || digits.length() > 18) return null;
            for (int i = 0; i < digits.length(); i++) {
                char c = digits.charAt(i);
                if (c < '0' || c > '9') return null;
            }
            return new CleanRequest(k, Long.parseLong(digits));
        }
        return null;
    }
}
