package org.qmailj.splogger;

import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.qmailj.common.Exit;
import org.qmailj.common.FailFast;
import org.qmailj.common.sys.Syslog;
import org.qmailj.common.sys.SysException;

/**
 * splogger - make entries in syslog (qmail's splogger(8)).
 *
 * <p>{@code splogger [ tag [ fac ] ]} reads lines on fd 0 and sends each to syslog's
 * AF_UNIX datagram socket ({@code /dev/log}; the system property {@code splogger.socket}
 * names another, for tests) as glibc's syslog(3) would format it:
 * {@code <pri>Mmm dd hh:mm:ss tag: 1234567890.123456 message}. pri is fac*8 (default
 * facility 2, mail) plus LOG_ALERT for messages starting {@code alert:}, LOG_WARNING for
 * {@code warning:}, LOG_INFO otherwise. Unprintable bytes become {@code ?}; blank lines are
 * not logged; messages are folded after 799 characters, the continuations marked with
 * {@code +} after the timestamp.
 *
 * <p>Never blocks the writer on syslog: with no daemon listening, or a full queue, the
 * message is dropped and reading goes on. Exits 0 at end of input.
 */
public final class Splogger {
    static final int LOG_ALERT = 1;
    static final int LOG_WARNING = 4;
    static final int LOG_INFO = 6;
    private static final int FOLD = 799;
    private static final DateTimeFormatter HEADER =
            DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.US);

    private final Syslog syslog;
    private final String tag;
    private final int facility;
    private final byte[] buf = new byte[FOLD];
    private int bufpos;
    private boolean flagcont;
    private int priority;
    private String stamp;

    private Splogger(Syslog syslog, String tag, int facility) {
        this.syslog = syslog;
        this.tag = tag;
        this.facility = facility;
    }

    public static void main(String[] args) throws IOException {
        FailFast.install("splogger");
        String tag = args.length > 0 ? args[0] : "splogger";
        int facility = 2 << 3;
        if (args.length > 1) {
            facility = (int) (scanUlong(args[1]) << 3);
        }
        Path socket = Path.of(System.getProperty("splogger.socket", Syslog.DEV_LOG.toString()));
        Splogger s = new Splogger(Syslog.open(socket), tag, facility);
        s.run(new BufferedInputStream(new FileInputStream(FileDescriptor.in), 8192));
        Exit.now(Exit.OK);
    }

    private static long scanUlong(String s) {
        long v = 0;
        for (int i = 0; i < s.length() && Character.isDigit(s.charAt(i)) && v < 1L << 32; i++) {
            v = v * 10 + (s.charAt(i) - '0');
        }
        return v;
    }

    private void run(InputStream in) throws IOException {
        int ch;
        while ((ch = in.read()) >= 0) {
            if (ch == '\n') {
                flush();
                flagcont = false;
                continue;
            }
            if (bufpos == FOLD) {
                flush();
            }
            buf[bufpos++] = (byte) (ch < 32 || ch > 126 ? '?' : ch);
        }
        // qmail's splogger drops an unterminated last line; we log it.
        flush();
    }

    private void flush() {
        if (bufpos == 0) {
            return;
        }
        String text = new String(buf, 0, bufpos, StandardCharsets.US_ASCII);
        bufpos = 0;
        String message;
        if (flagcont) {
            message = stamp + "+" + text;
        } else {
            java.time.Instant now = java.time.Instant.now();
            stamp = now.getEpochSecond() + "." + String.format("%06d", now.getNano() / 1000);
            priority = LOG_INFO;
            if (text.startsWith("warning:")) {
                priority = LOG_WARNING;
            }
            if (text.startsWith("alert:")) {
                priority = LOG_ALERT;
            }
            message = stamp + " " + text;
            flagcont = true;
        }
        send(message);
    }

    private void send(String message) {
        String datagram = "<" + (facility | priority) + ">" + HEADER.format(LocalDateTime.now()) + " "
                + tag + ": " + message;
        try {
            syslog.send(datagram.getBytes(StandardCharsets.ISO_8859_1));
        } catch (SysException e) {
            // Nobody listens (ENOENT, ECONNREFUSED) or too big: syslog is unreliable by design.
        }
    }
}
