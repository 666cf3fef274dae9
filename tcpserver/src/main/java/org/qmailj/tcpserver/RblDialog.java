package org.qmailj.tcpserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.qmailj.smtpd.Wire;

/**
 * rblsmtpd's limited SMTP conversation with a blocked client: "220 rblsmtpd.local", then
 * "250 rblsmtpd.local" to HELO, EHLO, MAIL, RSET and NOOP, "221 rblsmtpd.local" to QUIT
 * (the end), and the 451/553 message to anything else, until the client leaves or the
 * timeout (for the whole conversation, as rblsmtpd's alarm) runs out. With timeout 0 only the
 * message is sent. Command lines end at LF, a CR before it is dropped, the verb ends at the
 * first space (or NUL) and is matched ignoring case, as ucspi-tcp's commands(). Only the
 * first 1,024 bytes of a line are kept (the verb is all that matters), so memory is bounded.
 */
final class RblDialog {
    private static final byte[] GREET = "220 rblsmtpd.local\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] ACCEPT = "250 rblsmtpd.local\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] QUIT = "221 rblsmtpd.local\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final int KEEP = 1024;

    private RblDialog() {
    }

    /** Runs the conversation; rblsmtpd then exits 0 whatever happened. */
    static void run(String message, long timeoutSeconds, Wire wire) {
        byte[] reject = (message + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        OutputStream out = wire.out();
        try {
            if (timeoutSeconds == 0) {
                send(out, reject);
                return;
            }
            long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
            if (!remaining(wire, deadline)) return;
            send(out, GREET);
            InputStream in = wire.in();
            byte[] buf = new byte[64];
            byte[] line = new byte[KEEP];
            int len = 0;
            while (true) {
                if (!remaining(wire, deadline)) return;
                int n = in.read(buf, 0, buf.length);
                if (n <= 0) return;
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (b != '\n') {
                        if (len < KEEP) line[len++] = b;
                        continue;
                    }
                    int end = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
                    len = 0;
                    if (!remaining(wire, deadline)) return;
                    switch (verb(line, end)) {
                        case "quit" -> {
                            send(out, QUIT);
                            return;
                        }
                        case "helo", "ehlo", "mail", "rset", "noop" -> send(out, ACCEPT);
                        default -> send(out, reject);
                    }
                }
            }
        } catch (IOException e) {
            // timed out or the client is gone: drop the connection
        }
    }

    /** Sets the wire's timeout to what is left of the conversation's; false when nothing is. */
    private static boolean remaining(Wire wire, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return false;
        wire.timeout((int) Math.min(Integer.MAX_VALUE, (left + 999_999_999L) / 1_000_000_000L));
        return true;
    }

    private static String verb(byte[] line, int end) {
        int i = 0;
        while (i < end && line[i] != ' ' && line[i] != 0) i++;
        return new String(line, 0, i, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
    }

    private static void send(OutputStream out, byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }
}
