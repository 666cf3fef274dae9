package org.qmailj.analog;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * matchup - collect information on messages and deliveries (qmailanalog 0.70).
 *
 * <p>Reads qmail-send's log on stdin (multilog, syslog or stamped lines: {@link LogStamps})
 * and joins each message's {@code info msg}, {@code starting delivery}, {@code delivery} and
 * {@code end msg} lines. Writes one line per finished delivery and per finished message on
 * stdout:
 * <pre>
 * d k|z|d birth dstart ddone bytes sender chan.recipient qp uid reason
 * m birth done bytes nk nd nz sender qp uid
 * </pre>
 * (k success, z deferral, d failure; nk/nd/nz the message's successes, failures and
 * deferrals). {@code warning:} and {@code alert:} lines are copied, other unknown lines
 * copied behind {@code "? "}. At the end the state of the messages and deliveries still
 * open goes to fd 5 as {@code info msg}/{@code extra}/{@code starting delivery} lines, the
 * input of a later run over the next log ({@code matchup < newlog 5> pending} after
 * {@code cat pending oldlog}).
 *
 * <p>Streaming: only open messages and deliveries are kept, a few hundred bytes each.
 */
public final class Matchup {
    private record Msg(String birth, long bytes, String sender, long qp, long uid, long[] counts) {}

    private record Delivery(long msg, String start, String channel, String recipient) {}

    private static final int K = 0, D = 1, Z = 2;

    private final Writer out;
    /** A last line without its newline: not processed (as getln), handed on with the pending state. */
    private String partial = "";
    private final Map<Long, Msg> messages = new LinkedHashMap<>();
    private final Map<Long, Delivery> deliveries = new LinkedHashMap<>();

    Matchup(Writer out) {
        this.out = out;
    }

    public static void main(String[] args) {
        PrintStream err = System.err;
        OutputStream stdout = new java.io.FileOutputStream(java.io.FileDescriptor.out);
        try {
            Writer w = writer(stdout);
            Matchup m = new Matchup(w);
            m.read(new java.io.FileInputStream(java.io.FileDescriptor.in), new LogStamps());
            w.flush();
            PendingFd.write(m);
        } catch (IOException e) {
            err.println("matchup: fatal: " + e.getMessage());
            org.qmailj.common.Exit.now(111);
        }
        org.qmailj.common.Exit.now(0);
    }

    static Writer writer(OutputStream out) {
        return new java.io.BufferedWriter(new java.io.OutputStreamWriter(out, StandardCharsets.ISO_8859_1), 64 * 1024);
    }

    void read(InputStream in, LogStamps stamps) throws IOException {
        LineReader r = new LineReader(in);
        String line;
        while ((line = r.next()) != null) {
            if (!r.complete()) {
                partial = line;
                break;
            }
            LogStamps.Stamped s = stamps.parse(line);
            line(s.stamp(), s.text());
        }
    }

    /** One line of qmail-send's log with its numeric timestamp. */
    void line(String stamp, String text) throws IOException {
        String[] f = fields(stamp, text);
        switch (f[1]) {
            case "status:" -> {
                // qmail-send restarts delivery numbers after it exits: forget the open ones.
                if (f[2].equals("exiting")) deliveries.clear();
            }
            case "starting" -> starting(f);
            case "delivery" -> delivery(f);
            case "new" -> messages.remove(number(f[3]));
            case "end" -> end(f);
            case "info" -> info(f);
            case "extra" -> extra(f);
            case "running", "exiting" -> deliveries.clear();
            case "number", "local", "remote" -> { }
            case "warning:", "alert:" -> out.write(stamp + " " + text + "\n");
            default -> out.write("? " + stamp + " " + text + "\n");
        }
    }

    private void starting(String[] f) {
        deliveries.put(number(f[3]), new Delivery(number(f[5]), f[0], f[7], lower(f[8])));
    }

    private void delivery(String[] f) throws IOException {
        long d = number(f[2]);
        Delivery del = deliveries.remove(d);
        if (del == null) return;
        Msg m = messages.get(del.msg());
        String result;
        String reason = f[4];
        int kind;
        if (f[3].startsWith("succ")) {
            result = "d k ";
            kind = K;
        } else if (f[3].startsWith("fail")) {
            result = "d d ";
            kind = D;
        } else if (f[3].startsWith("defer")) {
            result = "d z ";
            kind = Z;
        } else if (f[3].startsWith("report")) {
            result = "d z ";
            kind = Z;
            reason = "report_mangled";
        } else {
            result = "? ";
            kind = -1;
            reason = "";
        }
        if (m != null && kind >= 0) m.counts()[kind]++;
        StringBuilder b = new StringBuilder(result);
        if (m != null) {
            b.append(m.birth()).append(' ').append(del.start()).append(' ').append(f[0]).append(' ').append(m.bytes())
                    .append(' ').append(m.sender()).append(' ').append(del.channel()).append('.').append(del.recipient())
                    .append(' ').append(m.qp()).append(' ').append(m.uid()).append(' ').append(reason);
        } else {
            b.append(del.start()).append(' ').append(del.start()).append(' ').append(f[0]).append(" 0 ? ")
                    .append(del.channel()).append('.').append(del.recipient()).append(" ? ? ").append(reason);
        }
        out.write(b.append('\n').toString());
    }

    private void end(String[] f) throws IOException {
        Msg m = messages.remove(number(f[3]));
        if (m == null) return;
        long[] c = m.counts();
        out.write("m " + m.birth() + " " + f[0] + " " + m.bytes() + " " + c[K] + " " + c[D] + " " + c[Z] + " "
                + m.sender() + " " + m.qp() + " " + m.uid() + "\n");
    }

    private void info(String[] f) {
        messages.put(number(f[3]), new Msg(f[0], number(f[5]), lower(f[7]), number(f[9]), number(f[11]), new long[3]));
    }

    /** {@code extra m nk nz nd}: the counts of a message still open when the last log ended. */
    private void extra(String[] f) {
        Msg m = messages.get(number(f[2]));
        if (m == null) return;
        m.counts()[K] = number(f[3]);
        m.counts()[Z] = number(f[4]);
        m.counts()[D] = number(f[5]);
    }

    /** The open messages and deliveries, as lines a later matchup reads back. */
    void pending(Writer w) throws IOException {
        for (Map.Entry<Long, Msg> e : messages.entrySet()) {
            Msg m = e.getValue();
            long[] c = m.counts();
            w.write(m.birth() + " info msg " + e.getKey() + ": bytes " + m.bytes() + " from " + m.sender() + " qp " + m.qp()
                    + " uid " + m.uid() + "\n");
            w.write(m.birth() + " extra " + e.getKey() + " " + c[K] + " " + c[Z] + " " + c[D] + "\n");
        }
        for (Map.Entry<Long, Delivery> e : deliveries.entrySet()) {
            Delivery d = e.getValue();
            w.write(d.start() + " starting delivery " + e.getKey() + ": msg " + d.msg() + " to " + d.channel() + " "
                    + d.recipient() + "\n");
        }
        w.write(partial);
        w.flush();
    }

    int openMessages() {
        return messages.size();
    }

    /** matchup's split: the stamp, then the text's words; absent fields are "". */
    private static String[] fields(String stamp, String text) {
        String[] f = new String[20];
        java.util.Arrays.fill(f, "");
        f[0] = stamp;
        int n = 1, i = 0, len = text.length();
        while (n < f.length) {
            while (i < len && isSpace(text.charAt(i))) i++;
            if (i == len) break;
            int start = i;
            while (i < len && !isSpace(text.charAt(i))) i++;
            f[n++] = text.substring(start, i);
        }
        return f;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    /** scan_ulong: the leading digits, 0 if none (a corrupt line must not stop the run). */
    static long number(String s) {
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') break;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static String lower(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                if (b == null) b = new StringBuilder(s);
                b.setCharAt(i, (char) (c + 32));
            }
        }
        return b == null ? s : b.toString();
    }
}
