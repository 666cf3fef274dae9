package org.qmailj.lspawn;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The spawn protocol between qmail-send and qmail-lspawn (FORMATS.md). At start the spawner
 * writes one byte, its maximum concurrency. Then qmail-send writes, on the spawner's fd 0,
 * delivery commands {@code delnum S/N\0 sender\0 recipient\0} (delnum one byte; S/N the
 * message's split path under queue/mess); the spawner answers on fd 1, in any order,
 * {@code delnum report\0}, the report being {@code K}, {@code Z} or {@code D} then text.
 */
public final class SpawnProtocol {
    public record Command(int delnum, String message, String sender, String recipient) {
    }

    private SpawnProtocol() {
    }

    /** Null at end of file before a command. */
    public static Command read(InputStream in) throws IOException {
        int delnum = in.read();
        if (delnum < 0) return null;
        return new Command(delnum, text0(in), text0(in), text0(in));
    }

    private static String text0(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != 0) {
            if (c < 0) throw new EOFException("delivery command cut short");
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    public static void write(OutputStream out, int delnum, String report) throws IOException {
        int nul = report.indexOf('\0');
        String r = nul < 0 ? report : report.substring(0, nul);
        byte[] text = r.getBytes(StandardCharsets.ISO_8859_1);
        byte[] frame = new byte[text.length + 2];
        frame[0] = (byte) delnum;
        System.arraycopy(text, 0, frame, 1, text.length);
        synchronized (out) {
            out.write(frame);
            out.flush();
        }
    }
}
