package org.qmailj.rspawn;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * One delivery command of qmail-send's spawn protocol (FORMATS.md; spawn.c), and its decoder.
 *
 * <pre>
 *   command = delnum messid NUL sender NUL recipient NUL
 *   delnum  = one byte (qmail), or two bytes little-endian (this suite's extension for more
 *             than 256 concurrent deliveries)
 *   messid  = "S/N", the message's path under queue/mess
 * </pre>
 * Width: with {@link Width#AUTO} each command's second byte decides. A messid starts with a
 * digit, while a two-byte delnum's high byte is below 0x30 for delivery numbers under 12288;
 * so a digit there means a one-byte delnum. (A malformed command with an empty messid is
 * then read as two-byte; force {@link Width#ONE} where that matters.) Replies use the width
 * of their command.
 *
 * @param delnum the delivery number, echoed in the reply
 * @param width 1 or 2: how many bytes delnum took
 */
record SpawnCommand(int delnum, int width, String messid, String sender, String recipient) {

    enum Width { ONE, TWO, AUTO }

    /**
     * Push decoder: feed it bytes as they arrive; it hands each complete command to the
     * consumer. Used by the one thread that reads fd 0.
     */
    static final class Decoder {
        private final Width width;
        private final Consumer<SpawnCommand> sink;
        private int stage; // 0 delnum, 1 second byte, 2 messid, 3 sender, 4 recipient
        private int delnum;
        private int cmdWidth;
        private final ByteArrayOutputStream field = new ByteArrayOutputStream();
        private String messid;
        private String sender;

        Decoder(Width width, Consumer<SpawnCommand> sink) {
            this.width = width;
            this.sink = sink;
        }

        void feed(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) feed(b[i]);
        }

        private void feed(byte ch) {
            switch (stage) {
                case 0 -> {
                    delnum = ch & 0xff;
                    cmdWidth = 1;
                    field.reset();
                    stage = width == Width.ONE ? 2 : 1;
                }
                case 1 -> {
                    boolean digit = ch >= '0' && ch <= '9';
                    if (width == Width.TWO || !digit) {
                        delnum |= (ch & 0xff) << 8;
                        cmdWidth = 2;
                        stage = 2;
                    } else {
                        stage = 2;
                        feed(ch);
                    }
                }
                case 2 -> {
                    if (ch != 0) {
                        field.write(ch);
                        return;
                    }
                    messid = text();
                    stage = 3;
                }
                case 3 -> {
                    if (ch != 0) {
                        field.write(ch);
                        return;
                    }
                    sender = text();
                    stage = 4;
                }
                default -> {
                    if (ch != 0) {
                        field.write(ch);
                        return;
                    }
                    String recipient = text();
                    stage = 0;
                    sink.accept(new SpawnCommand(delnum, cmdWidth, messid, sender, recipient));
                }
            }
        }

        private String text() {
            String s = field.toString(StandardCharsets.ISO_8859_1);
            field.reset();
            return s;
        }
    }

    /** The reply: delnum in this command's width, the report (K/Z/D and text), a NUL. */
    byte[] reply(String report) {
        byte[] r = report.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[width + r.length + 1];
        out[0] = (byte) delnum;
        if (width == 2) out[1] = (byte) (delnum >> 8);
        System.arraycopy(r, 0, out, width, r.length);
        return out;
    }

    /** spawn.c's checks on the message id: digits and slashes (not first), 1 to 99 bytes. */
    String messidProblem() {
        for (int i = 0; i < messid.length(); i++) {
            char c = messid.charAt(i);
            if ((i == 0 || c != '/') && (c < '0' || c > '9')) return "DInternal error: messid has nonnumerics. (#5.3.5)\n";
        }
        if (messid.length() + 1 > 100) return "DInternal error: messid too long. (#5.3.5)\n";
        if (messid.isEmpty()) return "DInternal error: messid too short. (#5.3.5)\n";
        return null;
    }
}
