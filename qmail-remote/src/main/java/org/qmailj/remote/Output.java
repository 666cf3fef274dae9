package org.qmailj.remote;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What qmail-remote prints on descriptor 1 (qmail-remote(8), RESULTS): some recipient reports
 * ({@code r}, {@code h}, {@code s}) followed by one message report ({@code K}, {@code Z},
 * {@code D}); each report is a letter, human-readable text, and a 0 byte.
 *
 * <p>The reports are collected here; the standalone program copies them to fd 1, qmail-rspawn
 * turns them into its own K/Z/D report. Text is kept as ISO-8859-1 bytes. One delivery's
 * thread owns an instance.
 */
public final class Output {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    private boolean finished;

    /** Appends raw text to the report being written. */
    void text(String s) {
        bytes.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Appends text with every byte below 33 or above 126 replaced by {@code ?} (qmail's outsafe). */
    void safe(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 33 || c > 126 ? '?' : c);
        }
        text(b.toString());
    }

    /** Ends the current report with its 0 byte. */
    void zero() {
        bytes.write(0);
    }

    /** Ends the message report: nothing more is written after this. */
    Finished finish() {
        zero();
        finished = true;
        return new Finished();
    }

    public boolean finished() {
        return finished;
    }

    public byte[] toByteArray() {
        return bytes.toByteArray();
    }

    /**
     * Thrown once the message report is written: qmail-remote's zerodie. Unwinds the
     * delivery to its caller, which then closes the connection and hands the bytes on.
     */
    static final class Finished extends RuntimeException {
        Finished() {
            super(null, null, false, false);
        }
    }
}
