package org.qmailj.analog;

import java.time.LocalDateTime;
import java.time.Month;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one line of qmail-send's log, in whichever form it was kept, into matchup's input:
 * a numeric timestamp (seconds since the epoch, with a fraction) and the text qmail-send
 * printed. The form is detected line by line, so concatenated logs of mixed origin work:
 * <ul>
 * <li>multilog/tai64n: {@code @4000000069301a2b1d2c3e4f text} (TAI64N, TAI minus 10 s as
 *     tai64nlocal takes it);
 * <li>accustamp/splogger stamp: {@code 1764766000.123456 text}, matchup's own input;
 * <li>syslog (splogger through syslogd): {@code Dec  3 13:03:22 host qmail: 1764766000.123456 text},
 *     or with an RFC 3339 date; splogger's stamp inside is used, else the syslog date (this
 *     year, or last year if that would be in the future, in the local time zone);
 * <li>anything else: a plain line, stamped with the last stamp seen (0 before any), so its
 *     delays come out 0.
 * </ul>
 */
final class LogStamps {
    private static final Pattern TAI = Pattern.compile("@([0-9a-fA-F]{16})([0-9a-fA-F]{8}) ?");
    private static final Pattern NUMERIC = Pattern.compile("(\\d+(?:\\.\\d+)?)[ +]");
    private static final Pattern SYSLOG = Pattern.compile(
            "([A-Z][a-z]{2}) +(\\d{1,2}) (\\d{2}):(\\d{2}):(\\d{2}) \\S+ [^ :]+: ");
    private static final Pattern RFC3339 = Pattern.compile("(\\d{4}-\\d{2}-\\d{2}T\\S+) \\S+ [^ :]+: ");
    /** 2^62 + 10: TAI64 label of the epoch, plus the 10 s TAI-UTC offset of 1970. */
    private static final long TAI_EPOCH = 0x400000000000000AL;

    private final ZoneId zone;
    private final ZonedDateTime now;
    private String last = "0";

    LogStamps(ZoneId zone, ZonedDateTime now) {
        this.zone = zone;
        this.now = now;
    }

    LogStamps() {
        this(ZoneId.systemDefault(), ZonedDateTime.now());
    }

    record Stamped(String stamp, String text) {}

    Stamped parse(String line) {
        Matcher m = TAI.matcher(line);
        if (m.lookingAt()) {
            long secs = Long.parseUnsignedLong(m.group(1), 16) - TAI_EPOCH;
            long nanos = Long.parseLong(m.group(2), 16);
            return stamped(secs + "." + String.format("%09d", Math.min(nanos, 999_999_999L)), line.substring(m.end()));
        }
        String syslogStamp = null;
        String rest = line;
        m = SYSLOG.matcher(line);
        Matcher r = RFC3339.matcher(line);
        if (m.lookingAt()) {
            syslogStamp = syslogDate(m);
            rest = line.substring(m.end());
        } else if (r.lookingAt()) {
            try {
                syslogStamp = Long.toString(OffsetDateTime.parse(r.group(1)).toEpochSecond());
                rest = line.substring(r.end());
            } catch (DateTimeParseException e) {
                syslogStamp = null;
            }
        }
        m = NUMERIC.matcher(rest);
        if (m.lookingAt()) {
            // splogger's continuation of a long line is "stamp+text": the text goes on as a line.
            return stamped(m.group(1), rest.substring(m.end()));
        }
        if (syslogStamp != null) return stamped(syslogStamp, rest);
        return new Stamped(last, line);
    }

    private Stamped stamped(String stamp, String text) {
        last = stamp;
        return new Stamped(stamp, text);
    }

    private String syslogDate(Matcher m) {
        Month month;
        try {
            month = Month.valueOf(monthName(m.group(1)));
        } catch (IllegalArgumentException e) {
            return null;
        }
        int day = Integer.parseInt(m.group(2));
        int h = Integer.parseInt(m.group(3)), min = Integer.parseInt(m.group(4)), s = Integer.parseInt(m.group(5));
        if (day < 1 || day > month.maxLength() || h > 23 || min > 59 || s > 60) return null;
        int year = now.getYear();
        try {
            ZonedDateTime t = LocalDateTime.of(year, month, Math.min(day, month.length(java.time.Year.isLeap(year))), h, min, Math.min(s, 59)).atZone(zone);
            if (t.isAfter(now.plusDays(1))) t = t.minusYears(1);
            return Long.toString(t.toEpochSecond());
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static String monthName(String abbrev) {
        for (Month mo : Month.values()) {
            if (mo.name().substring(0, 3).equalsIgnoreCase(abbrev)) return mo.name();
        }
        return abbrev.toUpperCase(Locale.ROOT);
    }
}
