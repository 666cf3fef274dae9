package org.qmailj.common.spawn;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The pipe protocol between qmail-send and a spawner (qmail-lspawn, qmail-rspawn), FORMATS.md:
 * the one codec both sides use.
 *
 * <pre>
 * hello   = max                          ; spawner → send, once at start: one byte, 1..255
 *         | %x00 max-lo max-hi           ; extension: concurrency above 255 (see below)
 * command = delnum path %x00 sender %x00 recipient %x00     ; send → spawner
 * report  = delnum ("K" / "Z" / "D") text %x00              ; spawner → send
 * path    = the message's split name below mess/, "S/N"
 * </pre>
 *
 * <p>{@code delnum} is one byte, as in qmail, when the hello is one non-zero byte. qmail's own
 * spawners never announce 0, so a hello byte of 0 is this suite's extension: two more bytes
 * (little-endian) give the spawner's maximum, and every {@code delnum} is then two bytes,
 * low byte first. A spawner that wants concurrency above 255 opts in that way; one that
 * speaks plain qmail gets at most 255 concurrent deliveries.
 *
 * <p>VERP: a sender ending in {@code -@[]}, {@code owner-@host-@[]}, is given to the spawner
 * per recipient {@code box@rhost} as {@code owner-box=rhost@host} ({@link #senderFor}).
 */
public final class SpawnProtocol {
    /** Report text kept per delivery (qmail-remote's own replies are far shorter). */
    public static final int MAX_REPORT = 64 * 1024;
    /** A path, sender or recipient in a command; the queue's own limits are far below. */
    public static final int MAX_FIELD = 1024 * 1024;
    private final int width;
    private final int max;

    private SpawnProtocol(int width, int max) {
        this.width = width;
        this.max = max;
    }

    /** The protocol a spawner announced; reads its hello from {@code in}. */
    public static SpawnProtocol hello(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) throw new EOFException("spawner sent no hello");
        if (b != 0) return new SpawnProtocol(1, b);
        int lo = in.read();
        int hi = in.read();
        if (lo < 0 || hi < 0) throw new EOFException("spawner hello cut short");
        return new SpawnProtocol(2, lo | hi << 8);
    }

    /** The classic one-byte protocol with this maximum (for spawners and tests). */
    public static SpawnProtocol classic(int max) {
        return new SpawnProtocol(1, max);
    }

    /** The two-byte extension with this maximum. */
    public static SpawnProtocol wide(int max) {
        return new SpawnProtocol(2, max);
    }

    /** The bytes a spawner writes at start to announce this protocol. */
    public byte[] helloBytes() {
        return width == 1 ? new byte[] {(byte) max} : new byte[] {0, (byte) max, (byte) (max >> 8)};
    }

    /** The spawner's maximum number of concurrent deliveries. */
    public int max() {
        return max;
    }

    public int width() {
        return width;
    }

    public byte[] command(int delnum, String path, String sender, String recipient) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(path.length() + sender.length() + recipient.length() + 6);
        putDelnum(out, delnum);
        for (String s : new String[] {path, sender, recipient}) {
            out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            out.write(0);
        }
        return out.toByteArray();
    }

    /**
     * One report as a spawner writes it. A report never contains a NUL (it ends the report),
     * so the text is cut at the first one.
     */
    public byte[] report(int delnum, String report) {
        int nul = report.indexOf('\0');
        String text = nul < 0 ? report : report.substring(0, nul);
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + 3);
        putDelnum(out, delnum);
        out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
        out.write(0);
        return out.toByteArray();
    }

    /** One report: the delivery slot and the text from its K/Z/D byte on. */
    public record Report(int delnum, String text) {}

    /** Reads one report; null at a clean end of input. */
    public Report readReport(InputStream in) throws IOException {
        int delnum = readDelnum(in);
        if (delnum < 0) return null;
        return new Report(delnum, readText(in, MAX_REPORT, true));
    }

    /** One command as a spawner sees it. */
    public record Command(int delnum, String path, String sender, String recipient) {}

    /** Reads one command; null at a clean end of input. For spawners and tests. */
    public Command readCommand(InputStream in) throws IOException {
        int delnum = readDelnum(in);
        if (delnum < 0) return null;
        return new Command(delnum, readText(in, MAX_FIELD, false), readText(in, MAX_FIELD, false),
                readText(in, MAX_FIELD, false));
    }

    private void putDelnum(ByteArrayOutputStream out, int delnum) {
        out.write(delnum & 0xff);
        if (width == 2) out.write((delnum >> 8) & 0xff);
    }

    private int readDelnum(InputStream in) throws IOException {
        int lo = in.read();
        if (lo < 0) return -1;
        if (width == 1) return lo;
        int hi = in.read();
        if (hi < 0) throw new EOFException("delivery number cut short");
        return lo | hi << 8;
    }

    /**
     * Reads up to the NUL. A report is kept to its first {@code max} bytes and the rest is
     * read and dropped: its text comes from a remote server, and qmail-send's heap is small.
     * A command field over {@code max} is refused: qmail-send never writes one.
     */
    private static String readText(InputStream in, int max, boolean truncate) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) > 0) {
            if (b.size() < max) {
                b.write(c);
            } else if (!truncate) {
                throw new IOException("spawn command field longer than " + max + " bytes");
            }
        }
        if (c < 0) throw new EOFException("text without its NUL");
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** The envelope sender a spawner gets for {@code recipient}: VERP applied. */
    public static String senderFor(String sender, String recipient) {
        if (!sender.endsWith("-@[]")) return sender;
        String base = sender.substring(0, sender.length() - 4);
        int at = base.lastIndexOf('@');
        String owner = at < 0 ? base : base.substring(0, at);
        String host = at < 0 ? "" : base.substring(at);
        int rat = recipient.lastIndexOf('@');
        String box = rat < 0 ? recipient : recipient.substring(0, rat);
        String rhost = rat < 0 ? "" : recipient.substring(rat + 1);
        return owner + box + "=" + rhost + host;
    }
}
