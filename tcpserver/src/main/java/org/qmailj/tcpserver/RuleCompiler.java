package org.qmailj.tcpserver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.qmailj.common.cdb.CdbWriter;

/**
 * tcprules' reading of one rule line (tcprules(1) RULE FORMAT): ADDRESS:allow or
 * ADDRESS:deny, then {@code ,VAR=QxQ} for any quote character Q. Trailing spaces and tabs
 * are ignored, as are empty lines, lines starting with {@code #} and lines without a colon.
 * Data is {@code D\0} for deny, then {@code +VAR=value\0} per variable. An address with a
 * range ({@code 1.2.3.37-53}, {@code 10.2-3.}) and no {@code =} becomes one key per number,
 * stopping at 255. Anything else is a {@link BadLineException}.
 */
final class RuleCompiler {
    private RuleCompiler() { }

    static final class BadLineException extends Exception {
        BadLineException(String line) { super(line); }
    }

    /** Adds the records of {@code line} (no newline) to {@code cdb}. */
    static void compile(String rawLine, CdbWriter cdb) throws BadLineException, IOException {
        String line = rawLine;
        int len = line.length();
        while (len > 0 && (line.charAt(len - 1) == ' ' || line.charAt(len - 1) == '\t')) len--;
        line = line.substring(0, len);
        if (line.isEmpty() || line.charAt(0) == '#') return;
        int colon = line.indexOf(':');
        if (colon < 0) return;
        String address = line.substring(0, colon);
        String x = line.substring(colon + 1);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        if (x.startsWith("deny")) {
            data.write('D');
            data.write(0);
            x = x.substring(4);
        } else if (x.startsWith("allow")) {
            x = x.substring(5);
        } else {
            throw new BadLineException(rawLine);
        }
        while (!x.isEmpty()) {
            if (x.charAt(0) != ',') throw new BadLineException(rawLine);
            int eq = x.indexOf('=');
            if (eq < 0) throw new BadLineException(rawLine);
            data.write('+');
            data.writeBytes(latin1(x.substring(1, eq + 1)));
            x = x.substring(eq + 1);
            if (x.isEmpty()) throw new BadLineException(rawLine);
            char q = x.charAt(0);
            x = x.substring(1);
            int end = x.indexOf(q);
            if (end < 0) throw new BadLineException(rawLine);
            data.writeBytes(latin1(x.substring(0, end)));
            data.write(0);
            x = x.substring(end + 1);
        }
        addAddress(address, data.toByteArray(), cdb, rawLine);
    }

    private static void addAddress(String address, byte[] data, CdbWriter cdb, String rawLine)
            throws BadLineException, IOException {
        if (address.indexOf('=') < 0) {
            int dash = address.indexOf('-');
            if (dash >= 0) {
                int left = dash;
                while (left > 0 && address.charAt(left - 1) != '.') left--;
                int right = dash + 1;
                while (right < address.length() && address.charAt(right) != '.') right++;
                long bot = digits(address.substring(left, dash), rawLine);
                long top = digits(address.substring(dash + 1, right), rawLine);
                if (top > 255) top = 255;
                for (long n = bot; n <= top; n++) {
                    cdb.add(latin1(address.substring(0, left) + n + address.substring(right)), data);
                }
                return;
            }
        }
        cdb.add(latin1(address), data);
    }

    /** scan_ulong that must consume the whole (possibly empty) text. */
    private static long digits(String s, String rawLine) throws BadLineException {
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') throw new BadLineException(rawLine);
            v = Math.min(v * 10 + (c - '0'), 1L << 40);
        }
        return v;
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
