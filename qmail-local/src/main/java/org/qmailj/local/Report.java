package org.qmailj.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Where qmail-local's words go: its fd 1 (the "did" line, the output of program lines) and
 * its fd 2 (strerr messages). Standalone these are the process's stdout and stderr; under
 * qmail-lspawn both are one buffer, as qmail-lspawn gives qmail-local one pipe for fds 1
 * and 2, and the buffer becomes the K/Z/D report text.
 */
public interface Report {
    void out(byte[] b, int off, int len);

    void err(String line);

    default void out(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        out(b, 0, b.length);
    }

    /**
     * One buffer for fds 1 and 2, keeping the first {@link #MAX} bytes (a program's output
     * becomes the report, which qmail-lspawn takes only that long from a worker).
     */
    final class Buffer implements Report {
        public static final int MAX = 16384;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        @Override
        public synchronized void out(byte[] b, int off, int len) {
            buf.write(b, off, Math.max(0, Math.min(len, MAX - buf.size())));
        }

        @Override
        public synchronized void err(String line) {
            out(line + "\n");
        }

        public synchronized byte[] bytes() {
            return buf.toByteArray();
        }
    }

    /** Two streams, for the standalone program. */
    record Streams(OutputStream stdout, OutputStream stderr) implements Report {
        @Override
        public void out(byte[] b, int off, int len) {
            try {
                stdout.write(b, off, len);
                stdout.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void err(String line) {
            try {
                stderr.write((line + "\n").getBytes(StandardCharsets.ISO_8859_1));
                stderr.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
