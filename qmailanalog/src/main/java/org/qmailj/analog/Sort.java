package org.qmailj.analog;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The sort(1) orders the z* scripts use, in the C locale: {@code sort -kN} (the text from the
 * blank before field N to the end of the line, byte by byte) and {@code sort -n -kN} (that
 * text's leading number); ties are broken by the whole line, as sort's last resort.
 */
final class Sort {
    private Sort() {}

    static void byText(List<String> lines, int field) {
        lines.sort(Comparator.<String, byte[]>comparing(l -> bytes(key(l, field)), Arrays::compareUnsigned)
                .thenComparing(Sort::bytes, Arrays::compareUnsigned));
    }

    static void byNumber(List<String> lines, int field) {
        lines.sort(Comparator.<String>comparingDouble(l -> Awk.num(key(l, field).strip()))
                .thenComparing(Sort::bytes, Arrays::compareUnsigned));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** sort's key for -kN without -b: field N with the blanks in front of it. */
    private static String key(String line, int field) {
        int i = 0, len = line.length();
        for (int n = 1; n < field; n++) {
            while (i < len && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) i++;
            while (i < len && line.charAt(i) != ' ' && line.charAt(i) != '\t') i++;
        }
        return line.substring(i);
    }
}
