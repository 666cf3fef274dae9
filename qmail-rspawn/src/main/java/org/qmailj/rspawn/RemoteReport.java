package org.qmailj.rspawn;

import java.nio.charset.StandardCharsets;

/**
 * Turns qmail-remote's output for one recipient into qmail-rspawn's report (qmail-rspawn.c's
 * report()): the first letter is K, Z or D; the text is the first record's text, followed by
 * the message report's text when the message result is no better than the recipient's.
 *
 * <ul>
 *   <li>the message result is the first K (success), Z (temporary) or D (permanent) record;
 *       none means D;</li>
 *   <li>a first record {@code s} (recipient refused temporarily) makes it Z, {@code h}
 *       (refused permanently) makes it D;</li>
 *   <li>empty output is "Zqmail-remote produced no output.".</li>
 * </ul>
 * Stateless.
 */
final class RemoteReport {
    private RemoteReport() {
    }

    static String of(byte[] s) {
        int len = s.length;
        if (len == 0) return "Zqmail-remote produced no output.\n";
        int result = -1;
        int j = 0;
        for (int k = 0; k < len; k++) {
            if (s[k] == 0) {
                if (s[j] == 'K') {
                    result = 1;
                    break;
                }
                if (s[j] == 'Z') {
                    result = 0;
                    break;
                }
                if (s[j] == 'D') break;
                j = k + 1;
            }
        }
        int orr = result;
        if (s[0] == 's') orr = 0;
        if (s[0] == 'h') orr = -1;
        StringBuilder b = new StringBuilder();
        b.append(orr == 1 ? 'K' : orr == 0 ? 'Z' : 'D');
        for (int k = 1; k < len; ) {
            if (s[k++] == 0) {
                b.append(cstring(s, 1));
                if (result <= orr && k < len && (s[k] == 'Z' || s[k] == 'D' || s[k] == 'K')) {
                    b.append(cstring(s, k + 1));
                }
                break;
            }
        }
        return b.toString();
    }

    /** The bytes from {@code from} up to the next 0 byte (or the end). */
    private static String cstring(byte[] s, int from) {
        int end = from;
        while (end < s.length && s[end] != 0) end++;
        return new String(s, from, Math.max(0, end - from), StandardCharsets.ISO_8859_1);
    }
}
