package org.qmailj.splogger;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import org.qmailj.common.Exit;
import org.qmailj.common.tai.Tai64n;

/**
 * tai64nlocal - converts precise TAI64N timestamps to a human-readable format
 * (tai64nlocal(8)). A line starting with {@code @} has the hex digits after it replaced by
 * the local time {@code YYYY-MM-DD HH:MM:SS.NNNNNNNNN}; other lines pass unchanged. As in
 * daemontools, the timestamp is the lowercase hex digits up to the first other byte, whose
 * last 8 digits are the nanoseconds. Exits 0 at end of input, 111 on I/O trouble.
 */
public final class Tai64nLocal {
    private Tai64nLocal() {
    }

    private static final class End extends Exception {
        private static final long serialVersionUID = 1L;
    }

    public static void main(String[] args) {
        InputStream in = new BufferedInputStream(new FileInputStream(FileDescriptor.in), 1 << 16);
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        ZoneId zone = ZoneId.systemDefault();
        try {
            while (true) {
                int ch = get(in, out);
                if (ch == '@') {
                    long secs = 0;
                    long nanos = 0;
                    while (true) {
                        ch = get(in, out);
                        int u;
                        if (ch >= '0' && ch <= '9') {
                            u = ch - '0';
                        } else if (ch >= 'a' && ch <= 'f') {
                            u = ch - 'a' + 10;
                        } else {
                            break;
                        }
                        secs = (secs << 4) + (nanos >>> 28);
                        nanos = ((nanos & 0xfffffffL) << 4) + u;
                    }
                    out.write(format(secs - Tai64n.UNIX_EPOCH, nanos, zone));
                }
                while (true) {
                    out.write(ch);
                    if (ch == '\n') {
                        break;
                    }
                    ch = get(in, out);
                }
            }
        } catch (End e) {
            flush(out);
            Exit.now(Exit.OK);
        } catch (IOException e) {
            Exit.now(Exit.SOFT);
        }
    }

    /**
     * The local time of {@code unix} seconds. Years outside what the JDK can represent (only
     * garbage stamps give them; daemontools' localtime fails on them) print as year 0.
     */
    static byte[] format(long unix, long nanos, ZoneId zone) {
        LocalDateTime t;
        try {
            t = LocalDateTime.ofInstant(Instant.ofEpochSecond(unix), zone);
        } catch (java.time.DateTimeException e) {
            t = LocalDateTime.of(0, 1, 1, 0, 0);
        }
        String s = String.format("%d-%02d-%02d %02d:%02d:%02d.%09d", t.getYear(),
                t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(),
                t.getSecond(), nanos);
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The next byte; flushes output before the read would block. */
    private static int get(InputStream in, OutputStream out) throws IOException, End {
        if (in.available() == 0) {
            out.flush();
        }
        int c = in.read();
        if (c < 0) {
            throw new End();
        }
        return c;
    }

    private static void flush(OutputStream out) {
        try {
            out.flush();
        } catch (IOException e) {
            Exit.now(Exit.SOFT);
        }
    }
}
