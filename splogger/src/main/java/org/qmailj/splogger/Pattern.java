package org.qmailj.splogger;

import java.nio.charset.StandardCharsets;

/**
 * A multilog(8) pattern: a string of stars and non-stars. A non-star matches itself; a star
 * before the end matches any string that does not contain the next pattern character; a star
 * at the end matches anything. The whole line must be matched.
 */
record Pattern(byte[] pattern) {
    static Pattern of(String s) {
        return new Pattern(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    boolean matches(byte[] buf, int len) {
        int p = 0;
        int b = 0;
        while (true) {
            if (p == pattern.length) {
                return b == len;
            }
            byte ch = pattern[p++];
            if (ch == '*') {
                if (p == pattern.length) {
                    return true;
                }
                byte next = pattern[p];
                while (true) {
                    if (b == len) {
                        return false;
                    }
                    if (buf[b] == next) {
                        break;
                    }
                    b++;
                }
                continue;
            }
            if (b == len || buf[b] != ch) {
                return false;
            }
            b++;
        }
    }
}
