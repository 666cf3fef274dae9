package org.qmailj.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * qmail's headerbody, as qbiff and qreceipt read a message: the header fields (each with its
 * folding and final \n) up to the blank line, which is dropped, or up to the first line that
 * is not a field, which is the first body line. ISO-8859-1 text, a line at a time.
 */
record HeaderFields(List<String> fields, String firstBodyLine) {

    static HeaderFields read(InputStream in) throws IOException {
        List<String> fields = new ArrayList<>();
        StringBuilder cur = null;
        while (true) {
            String line = line(in);
            if (line == null) break;
            if (cur != null && (line.startsWith(" ") || line.startsWith("\t"))) {
                cur.append(line);
                continue;
            }
            if (cur != null) {
                fields.add(cur.toString());
                cur = null;
            }
            if (line.equals("\n")) return new HeaderFields(fields, null);
            if (!isField(line)) return new HeaderFields(fields, line);
            cur = new StringBuilder(line);
        }
        if (cur != null) fields.add(cur.toString());
        return new HeaderFields(fields, null);
    }

    /** The field's name in lower case, without the spaces qmail allows before the colon. */
    static String name(String field) {
        return field.substring(0, field.indexOf(':')).strip().toLowerCase(Locale.ROOT);
    }

    /** hfield_skipname: the value after the colon and the white space following it. */
    static String value(String field) {
        int i = field.indexOf(':') + 1;
        while (i < field.length() && " \t\r\n".indexOf(field.charAt(i)) >= 0) i++;
        return field.substring(i);
    }

    private static boolean isField(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) return false;
        String name = line.substring(0, colon).stripTrailing();
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 127) return false;
        }
        return true;
    }

    /** A line with its \n (one is added at EOF); null at EOF. */
    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            if (c == '\n') break;
        }
        if (c < 0 && b.size() == 0) return null;
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\n") ? s : s + "\n";
    }
}
