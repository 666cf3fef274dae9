package org.qmailj.analog;

import java.util.ArrayList;
import java.util.List;

/**
 * qmailanalog's columnt: every field but the last possible one right-aligned to its
 * column's width, two spaces between fields.
 */
final class Columns {
    private Columns() {}

    static String format(List<String> lines) {
        List<String[]> rows = new ArrayList<>(lines.size());
        int maxfield = 0;
        for (String line : lines) {
            String[] f = line.trim().isEmpty() ? new String[0] : line.trim().split("[ \t]+");
            rows.add(f);
            maxfield = Math.max(maxfield, f.length - 1);
        }
        int[] width = new int[maxfield + 1];
        for (String[] f : rows) {
            for (int i = 0; i < f.length; i++) width[i] = Math.max(width[i], f[i].length());
        }
        StringBuilder b = new StringBuilder();
        for (String[] f : rows) {
            for (int i = 0; i < f.length; i++) {
                if (i < maxfield) b.append(" ".repeat(width[i] - f[i].length()));
                b.append(f[i]);
                if (i < maxfield) b.append("  ");
            }
            b.append('\n');
        }
        return b.toString();
    }
}
