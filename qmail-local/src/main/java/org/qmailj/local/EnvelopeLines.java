package org.qmailj.local;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The lines and variables qmail-local derives from its arguments: the Delivered-To line
 * (DTLINE), the Return-Path line (RPLINE), the mbox From_ line (UFLINE), and the rest of
 * qmail-command(8)'s environment (SENDER, RECIPIENT, USER, HOME, HOST, HOST2-4, LOCAL, EXT,
 * EXT2-4). NEWSENDER and DEFAULT depend on the .qmail files and are added by
 * {@link Delivery}.
 */
public record EnvelopeLines(String recipient, String dtline, String rpline, String ufline,
        Map<String, String> env) {

    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
            "Aug", "Sep", "Oct", "Nov", "Dec"};

    public static EnvelopeLines of(LocalRequest r, long epochSecond) {
        String recipient = r.local() + "@" + r.domain();
        String dtline = "Delivered-To: " + recipient.replace('\n', '_') + "\n";
        String rpline = ("Return-Path: <" + quote2(r.sender()) + ">").replace('\n', '_') + "\n";
        String ufSender = r.sender().isEmpty() ? "MAILER-DAEMON"
                : r.sender().replace(' ', '-').replace('\t', '-').replace('\n', '-');
        String ufline = "From " + ufSender + " " + myctime(epochSecond);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOST", r.domain());
        env.put("HOME", r.homedir());
        env.put("USER", r.user());
        env.put("LOCAL", r.local());
        env.put("RECIPIENT", recipient);
        env.put("DTLINE", dtline);
        env.put("RPLINE", rpline);
        env.put("UFLINE", ufline);
        env.put("SENDER", r.sender());
        env.put("EXT", r.ext());
        String e2 = afterDash(r.ext());
        String e3 = afterDash(e2);
        String e4 = afterDash(e3);
        env.put("EXT2", e2);
        env.put("EXT3", e3);
        env.put("EXT4", e4);
        String h2 = beforeDot(r.domain());
        String h3 = beforeDot(h2);
        String h4 = beforeDot(h3);
        env.put("HOST2", h2);
        env.put("HOST3", h3);
        env.put("HOST4", h4);
        return new EnvelopeLines(recipient, dtline, rpline, ufline, env);
    }

    /** The part after the first dash, or "" when there is none. */
    static String afterDash(String s) {
        int i = s.indexOf('-');
        return i < 0 ? "" : s.substring(i + 1);
    }

    /** The part before the last dot, or all of it when there is none. */
    static String beforeDot(String s) {
        int i = s.lastIndexOf('.');
        return i < 0 ? s : s.substring(0, i);
    }

    /**
     * qmail's myctime: asctime format in UTC, with its newline. Built by hand: String.format
     * loads java.util.Formatter and the CLDR locale data in every worker at its first delivery.
     */
    static String myctime(long epochSecond) {
        ZonedDateTime t = ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(epochSecond),
                ZoneOffset.UTC);
        StringBuilder b = new StringBuilder(25);
        b.append(DAYS[t.getDayOfWeek().getValue() - 1]).append(' ').append(MONTHS[t.getMonthValue() - 1]).append(' ');
        if (t.getDayOfMonth() < 10) b.append(' ');
        b.append(t.getDayOfMonth()).append(' ');
        twoDigits(b, t.getHour()).append(':');
        twoDigits(b, t.getMinute()).append(':');
        twoDigits(b, t.getSecond()).append(' ');
        return b.append(t.getYear()).append('\n').toString();
    }

    private static StringBuilder twoDigits(StringBuilder b, int n) {
        return b.append((char) ('0' + n / 10)).append((char) ('0' + n % 10));
    }

    /** qmail's quote2: the local part in RFC 822 quotes when it needs them, then @domain. */
    static String quote2(String addr) {
        int at = addr.lastIndexOf('@');
        String local = at < 0 ? addr : addr.substring(0, at);
        String rest = at < 0 ? "" : addr.substring(at);
        return (needsQuote(local) ? quote(local) : local) + rest;
    }

    private static boolean needsQuote(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 128 || c <= ' ' || c == 127 || "\"(),:;<>@[\\]".indexOf(c) >= 0) return true;
        }
        return s.startsWith(".") || s.endsWith(".") || s.contains("..");
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '\r' || c == '\n' || c == '"' || c == '\\') b.append('\\');
            b.append(c);
        }
        return b.append('"').toString();
    }
}
