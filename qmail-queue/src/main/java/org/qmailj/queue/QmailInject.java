package org.qmailj.queue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueClients;
import org.qmailj.common.queue.QueueResult;

/**
 * qmail-inject - preprocess and send a mail message.
 *
 * <p>Reads a message on stdin, rewrites its header per qmail-header(5) and qmail-inject(8),
 * and queues it through the queue writer (or prints it with -n). Exits 0, 100 for bad usage,
 * no recipients, a severe syntax error in an address field ("unable to parse this line:"
 * and the field) or a permanent queue failure, 111 for temporary errors. Runs on the main
 * thread.
 */
public final class QmailInject {
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    private static final Set<String> SENDER_FIELDS = Set.of("sender", "from", "reply-to", "return-path",
            "return-receipt-to", "errors-to", "resent-sender", "resent-from", "resent-reply-to");
    private static final Set<String> RECIPIENT_FIELDS = Set.of("to", "cc", "bcc", "apparently-to",
            "resent-to", "resent-cc", "resent-bcc");
    private static final Set<String> RESENT_FIELDS = Set.of("resent-sender", "resent-from", "resent-reply-to",
            "resent-to", "resent-cc", "resent-bcc", "resent-date", "resent-message-id");

    /** Which recipients: -A (default), -a, -h, -H. */
    enum Strategy { DEFAULT, ARGS, HEADER, BOTH }

    record Options(Strategy strategy, String sender, boolean print, List<String> recipients) {}

    /** Bad usage: exit 100. */
    static final class Usage extends Exception {
        Usage(String m) { super(m); }
    }

    private QmailInject() {}

    public static void main(String[] args) {
        QmailHome home = QmailHome.current();
        if (queues(args)) QueueClients.warmUp(home, System.getenv()); // the socket's set-up alongside ours
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.ISO_8859_1);
        int exit = run(args, home, System.getenv(), new FileInputStream(FileDescriptor.in), out, System.err,
                QueueClients.standard(home, System.getenv()), Clock.systemUTC());
        out.flush();
        Exit.now(exit);
    }

    /**
     * Whether a call with these arguments goes on to queue (not -n, not bad usage): only then
     * is {@link QueueClients#warmUp} worth its CPU (-n: 24 -> 28 ms CPU with it).
     */
    static boolean queues(String[] args) {
        try {
            return !parse(args).print();
        } catch (Usage u) {
            return false;
        }
    }

    static Options parse(String[] args) throws Usage {
        Strategy strategy = Strategy.DEFAULT;
        String sender = null;
        boolean print = false;
        int i = 0;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-") || a.length() == 1) break;
            for (int j = 1; j < a.length(); j++) {
                char c = a.charAt(j);
                switch (c) {
                    case 'a' -> strategy = Strategy.ARGS;
                    case 'A' -> strategy = Strategy.DEFAULT;
                    case 'h' -> strategy = Strategy.HEADER;
                    case 'H' -> strategy = Strategy.BOTH;
                    case 'n' -> print = true;
                    case 'N' -> print = false;
                    case 'f' -> {
                        if (j + 1 < a.length()) sender = a.substring(j + 1);
                        else if (i + 1 < args.length) sender = args[++i];
                        else throw new Usage("option -f needs an argument");
                        j = a.length();
                    }
                    default -> throw new Usage("unknown option -" + c);
                }
            }
        }
        return new Options(strategy, sender, print, List.of(args).subList(i, args.length));
    }

    /** One header field: its name as written and its whole text (with folding, ending in \n). */
    record Field(String name, String text) {
        String key() { return name.toLowerCase(Locale.ROOT); }
        String value() { return text.substring(name.length() + 1); }
    }

    public static int run(String[] args, QmailHome home, Map<String, String> env, InputStream stdin,
            OutputStream stdout, PrintStream err, QueueClient queue, Clock clock) {
        Options opt;
        try {
            opt = parse(args);
        } catch (Usage u) {
            err.println("qmail-inject: fatal: " + u.getMessage());
            err.println("qmail-inject: usage: qmail-inject [ -nNaAhH ] [ -fsender ] [ recip ... ]");
            return 100;
        }
        InjectConfig cfg;
        try {
            cfg = InjectConfig.load(home.control(), env);
        } catch (IOException e) {
            err.println("qmail-inject: fatal: unable to read controls");
            return 111;
        }
        Instant start = clock.instant();
        long pid = ProcessHandle.current().pid();
        BufferedInputStream in = new BufferedInputStream(stdin, 65536);

        // Read and rewrite the header.
        List<Field> fields = new ArrayList<>();
        byte[] firstBodyLine;
        try {
            firstBodyLine = readHeader(in, fields);
        } catch (IOException e) {
            err.println("qmail-inject: fatal: unable to read message");
            return 111;
        }
        Set<String> seen = new HashSet<>();
        List<String> to = new ArrayList<>();
        List<String> toCc = new ArrayList<>();
        List<String> resentTo = new ArrayList<>();
        String returnPath = null;
        StringBuilder saved = new StringBuilder();
        for (Field f : fields) {
            String k = f.key();
            String text = f.text();
            if (k.equals("from") && cfg.flag('f')) continue;
            if (k.equals("message-id") && cfg.flag('i')) continue;
            seen.add(k);
            List<String> found = new ArrayList<>();
            if (SENDER_FIELDS.contains(k) || RECIPIENT_FIELDS.contains(k)) {
                if (!AddressList.parses(f.value())) {
                    // qmail-inject's doordie: nothing has been queued yet.
                    err.print("qmail-inject: fatal: unable to parse this line:\n" + text);
                    err.flush();
                    return 100;
                }
                text = f.name() + ":" + AddressList.rewrite(f.value(), cfg::rewrite, found);
            }
            switch (k) {
                case "to", "cc", "bcc", "apparently-to" -> to.addAll(found);
                case "resent-to", "resent-cc", "resent-bcc" -> resentTo.addAll(found);
                default -> { }
            }
            if (k.equals("to") || k.equals("cc")) toCc.addAll(found);
            if (k.equals("return-path")) {
                if (returnPath == null && !found.isEmpty()) returnPath = found.getFirst();
                if (returnPath == null && f.value().contains("<>")) returnPath = "";
                continue;
            }
            if (k.equals("content-length") || k.equals("bcc") || k.equals("resent-bcc")) continue;
            saved.append(text);
        }
        boolean resent = false;
        for (String k : seen) resent |= RESENT_FIELDS.contains(k);

        // Recipients.
        List<String> argRecipients = new ArrayList<>();
        for (String a : opt.recipients()) AddressList.rewrite(a, cfg::rewrite, argRecipients);
        List<String> headerRecipients = resent ? resentTo : to;
        List<String> recipients = new ArrayList<>();
        switch (opt.strategy()) {
            case ARGS -> recipients.addAll(argRecipients);
            case HEADER -> recipients.addAll(headerRecipients);
            case BOTH -> {
                recipients.addAll(headerRecipients);
                recipients.addAll(argRecipients);
            }
            case DEFAULT -> recipients.addAll(argRecipients.isEmpty() ? headerRecipients : argRecipients);
        }
        if (!opt.print() && recipients.isEmpty()) {
            err.println("qmail-inject: fatal: no recipients");
            return 100;
        }

        // Envelope sender: -f, else Return-Path, else the default (with VERP letters).
        String sender;
        if (opt.sender() != null) {
            sender = opt.sender();
        } else if (returnPath != null && !cfg.flag('s')) {
            sender = returnPath;
        } else {
            String user = cfg.senderUser();
            if (cfg.flag('m')) user = user + "-" + start.getEpochSecond() + "." + pid;
            if (cfg.flag('r')) sender = user + "-@" + cfg.qualify(cfg.senderHost()) + "-@[]";
            else sender = user + "@" + cfg.qualify(cfg.senderHost());
        }

        // The header: new fields (stamps, From, Cc, Mail-Followup-To) first, then the caller's.
        StringBuilder head = new StringBuilder();
        String p = resent ? "Resent-" : "";
        if (!seen.contains(p.toLowerCase(Locale.ROOT) + "date")) head.append(p).append("Date: ").append(date(start)).append(" -0000\n");
        if (!seen.contains(p.toLowerCase(Locale.ROOT) + "message-id")) {
            head.append(p).append("Message-ID: <").append(idDate(start)).append('.').append(pid)
                    .append(".qmail@").append(cfg.idHost()).append(">\n");
        }
        if (!seen.contains(p.toLowerCase(Locale.ROOT) + "from")) head.append(p).append("From: ").append(defaultFrom(cfg)).append('\n');
        if (resent ? !seen.contains("resent-to") && !seen.contains("resent-cc") : !seen.contains("to") && !seen.contains("cc")) {
            head.append(p).append("Cc: recipient list not shown: ;\n");
        }
        if (cfg.mftFile() != null && !seen.contains("mail-followup-to")) {
            try {
                Set<String> lists = new HashSet<>();
                for (String l : Files.readAllLines(Path.of(cfg.mftFile()), StandardCharsets.ISO_8859_1)) {
                    if (!l.isBlank()) lists.add(l.trim().toLowerCase(Locale.ROOT));
                }
                boolean listed = false;
                for (String a : toCc) listed |= lists.contains(a.toLowerCase(Locale.ROOT));
                if (listed) {
                    head.append("Mail-Followup-To: ").append(String.join(",\n  ", toCc)).append('\n');
                }
            } catch (IOException e) {
                err.println("qmail-inject: fatal: unable to read " + cfg.mftFile());
                return 111;
            }
        }
        head.append(saved);
        head.append('\n');
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);

        if (opt.print()) {
            try {
                stdout.write(headBytes);
                if (firstBodyLine != null) stdout.write(firstBodyLine);
                in.transferTo(stdout);
                stdout.flush();
                return 0;
            } catch (IOException e) {
                err.println("qmail-inject: fatal: unable to write output");
                return 111;
            }
        }
        try (QueueClient.Session s = queue.open()) {
            OutputStream m = s.message();
            m.write(headBytes);
            if (firstBodyLine != null) m.write(firstBodyLine);
            try {
                in.transferTo(m);
            } catch (IOException e) {
                err.println("qmail-inject: fatal: unable to read message");
                return 111;
            }
            QueueResult r = s.commit(new Envelope(sender, recipients));
            if (r.ok()) return 0;
            err.println("qmail-inject: fatal: " + r.text());
            return r.permanent() ? 100 : 111;
        } catch (IOException e) {
            err.println("qmail-inject: fatal: unable to run qmail-queue");
            return 111;
        }
    }

    /**
     * qmail's date: "3 Dec 2026 18:35:04" in UTC, whatever the clock's zone. Formatted by
     * hand from the epoch second: DateTimeFormatter's month names come from the CLDR locale
     * data, and even LocalDateTime initialises ChronoField, ValueRange, Duration and BigInteger,
     * which an interpreted sendmail call pays for (-Xint in the launcher).
     */
    static String date(Instant t) {
        long s = t.getEpochSecond();
        long days = Math.floorDiv(s, 86_400);
        int secs = (int) Math.floorMod(s, 86_400);
        long ymd = civil(days);
        StringBuilder b = new StringBuilder(24).append((int) (ymd % 100)).append(' ')
                .append(MONTHS[(int) (ymd / 100 % 100) - 1]).append(' ');
        year(b, (int) (ymd / 10_000)).append(' ');
        return two(two(two(b, secs / 3600).append(':'), secs / 60 % 60).append(':'), secs % 60).toString();
    }

    /** The Message-ID's stamp: yyyyMMddHHmmss in UTC. */
    static String idDate(Instant t) {
        long s = t.getEpochSecond();
        long ymd = civil(Math.floorDiv(s, 86_400));
        int secs = (int) Math.floorMod(s, 86_400);
        StringBuilder b = year(new StringBuilder(14), (int) (ymd / 10_000));
        return two(two(two(two(two(b, (int) (ymd / 100 % 100)), (int) (ymd % 100)), secs / 3600), secs / 60 % 60), secs % 60)
                .toString();
    }

    /**
     * The proleptic Gregorian date of a day since 1970-01-01 as yyyy * 10000 + mm * 100 + dd
     * (years 0 to 9999). Howard Hinnant's civil_from_days: eras of 400 years (146097 days)
     * counted from 0000-03-01, so that the leap day ends each year.
     */
    static long civil(long epochDay) {
        long z = epochDay + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;                                   // [0, 146096]
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             // [0, 365]
        long mp = (5 * doy + 2) / 153;                                  // [0, 11], March first
        long d = doy - (153 * mp + 2) / 5 + 1;
        long m = mp < 10 ? mp + 3 : mp - 9;
        long y = yoe + era * 400 + (m <= 2 ? 1 : 0);
        return y * 10_000 + m * 100 + d;
    }

    /** yyyy: at least four digits. */
    private static StringBuilder year(StringBuilder b, int y) {
        if (y >= 0 && y < 1000) b.append(y < 10 ? "000" : y < 100 ? "00" : "0");
        return b.append(y);
    }

    private static StringBuilder two(StringBuilder b, int n) {
        return b.append((char) ('0' + n / 10)).append((char) ('0' + n % 10));
    }

    /** From: user@host, Name <user@host>, or user@host (Name) with QMAILINJECT=c. */
    static String defaultFrom(InjectConfig cfg) {
        String addr = cfg.user() + "@" + cfg.qualify(cfg.host());
        String name = cfg.name();
        if (name == null || name.isEmpty()) return addr;
        if (cfg.flag('c')) return addr + " (" + name.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")";
        boolean special = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            special |= "()<>@,;:\\\".[]".indexOf(c) >= 0 || c < 32;
        }
        String phrase = special ? "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : name;
        return phrase + " <" + addr + ">";
    }

    /**
     * Reads header fields into {@code fields} up to the blank line (consumed) or up to the
     * first line that is not a field, which is returned as the start of the body.
     */
    static byte[] readHeader(InputStream in, List<Field> fields) throws IOException {
        StringBuilder cur = null;
        String curName = null;
        while (true) {
            byte[] line = readLine(in);
            if (line == null) break;
            String s = new String(line, StandardCharsets.ISO_8859_1);
            if (cur != null && (s.startsWith(" ") || s.startsWith("\t"))) {
                cur.append(s);
                if (!s.endsWith("\n")) cur.append('\n');
                continue;
            }
            if (cur != null) {
                fields.add(new Field(curName, cur.toString()));
                cur = null;
            }
            if (s.equals("\n") || s.equals("\r\n")) return null;
            int colon = s.indexOf(':');
            String name = colon > 0 ? s.substring(0, colon) : null;
            if (name == null || !validName(name)) return line;
            cur = new StringBuilder(s);
            if (!s.endsWith("\n")) cur.append('\n');
            curName = name;
        }
        if (cur != null) fields.add(new Field(curName, cur.toString()));
        return null;
    }

    private static boolean validName(String n) {
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c <= ' ' || c >= 127) return false;
        }
        return true;
    }

    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) return b.size() == 0 ? null : b.toByteArray();
            b.write(c);
            if (c == '\n') return b.toByteArray();
        }
    }
}
