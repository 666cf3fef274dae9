package org.qmailj.smtpd;

import java.util.OptionalLong;

/**
 * The ESMTP parameters of MAIL FROM after the address: {@code SIZE=n} (RFC 1870) and
 * {@code SMTPUTF8} (RFC 6531); keywords are compared in ASCII case only. Every other
 * parameter (BODY=8BITMIME, AUTH=...) is ignored, as qmail ignores them all.
 *
 * @param size the declared size, if given as digits (a larger value than a long counts as
 *             Long.MAX_VALUE: it is over any limit)
 * @param smtputf8 whether SMTPUTF8 was given
 */
record MailParams(OptionalLong size, boolean smtputf8) {
    static final MailParams NONE = new MailParams(OptionalLong.empty(), false);

    static MailParams parse(String arg) {
        int lt = arg.indexOf('<');
        if (lt < 0) return NONE; // no brackets: AddrParse reads to the first space; no parameters
        int p = lt + 1;
        boolean quoted = false;
        for (; p < arg.length(); p++) {
            char ch = arg.charAt(p);
            if (ch == '\\') p++;
            else if (ch == '"') quoted = !quoted;
            else if (ch == '>' && !quoted) break;
        }
        if (p >= arg.length()) return NONE;
        OptionalLong size = OptionalLong.empty();
        boolean utf8 = false;
        for (String param : arg.substring(p + 1).split(" ")) {
            int eq = param.indexOf('=');
            String key = eq < 0 ? param : param.substring(0, eq);
            if (eq < 0 && equalsAscii(key, "SMTPUTF8")) utf8 = true;
            if (eq > 0 && equalsAscii(key, "SIZE")) {
                String v = param.substring(eq + 1);
                if (!v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    size = OptionalLong.of(v.length() > 18 ? Long.MAX_VALUE : Long.parseLong(v));
                }
            }
        }
        return new MailParams(size, utf8);
    }

    private static boolean equalsAscii(String s, String upper) {
        if (s.length() != upper.length()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'a' && c <= 'z') c = (char) (c - 32);
            if (c != upper.charAt(i)) return false;
        }
        return true;
    }
}
