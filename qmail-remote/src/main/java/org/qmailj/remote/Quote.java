package org.qmailj.remote;

/**
 * Encodes the box part of an address for an SMTP envelope as qmail's quote(): left alone when
 * it is a dot-atom of RFC 821/822 atom characters, otherwise wrapped in double quotes with
 * {@code \r}, {@code \n}, {@code "} and {@code \} escaped by a backslash. Stateless.
 */
final class Quote {
    private static final String ATOM_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

    private Quote() {
    }

    static String box(String box) {
        return needed(box) ? quoted(box) : box;
    }

    static boolean needed(String s) {
        if (s.isEmpty()) return true;
        for (int i = 0; i < s.length(); i++) {
            if (!ok(s.charAt(i))) return true;
        }
        if (s.charAt(0) == '.' || s.charAt(s.length() - 1) == '.') return true;
        return s.contains("..");
    }

    private static boolean ok(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.') return true;
        return ATOM_SPECIALS.indexOf(c) >= 0;
    }

    private static String quoted(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == '"' || c == '\\') b.append('\\');
            b.append(c);
        }
        return b.append('"').toString();
    }
}
