package org.qmailj.analog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * zsenders and zsuids: one line per sender (uid/address) or per uid, from the m lines, with
 * the xdelay of the d lines of the same key (qmailanalog 0.70).
 */
class Senders implements Report {
    private final String title;
    private final String who;
    private final String column;
    /** The key of an m or d line. */
    private final Function<String[], String> mKey;
    private final Function<String[], String> dKey;
    /** messages, mbytes, sbytes, rbytes, succ, fail, temp. */
    private final Map<String, double[]> byKey = new LinkedHashMap<>();
    private final Map<String, Double> xdelay = new LinkedHashMap<>();

    Senders(String title, String who, String column, Function<String[], String> mKey, Function<String[], String> dKey) {
        this.title = title;
        this.who = who;
        this.column = column;
        this.mKey = mKey;
        this.dKey = dKey;
    }

    @Override
    public void accept(String[] f) {
        if (f[1].equals("m")) {
            double[] v = byKey.computeIfAbsent(mKey.apply(f), k -> new double[7]);
            double bytes = Awk.num(f[4]), k = Awk.num(f[5]), d = Awk.num(f[6]), z = Awk.num(f[7]);
            v[0]++;
            v[1] += bytes;
            v[2] += bytes * k;
            v[3] += bytes * (k + d);
            v[4] += k;
            v[5] += d;
            v[6] += z;
        } else if (f[1].equals("d")) {
            xdelay.merge(dKey.apply(f), Awk.num(f[5]) - Awk.num(f[4]), Double::sum);
        }
    }

    @Override
    public String text() {
        List<String> rows = new ArrayList<>();
        byKey.forEach((k, v) -> rows.add(Awk.str(v[0]) + " " + Awk.str(v[1]) + " " + Awk.str(v[2]) + " " + Awk.str(v[3]) + " "
                + Awk.str(v[4] + v[5]) + " " + Awk.str(v[4] + v[5] + v[6]) + " " + Awk.fixed(xdelay.getOrDefault(k, 0.0), 6)
                + " " + k));
        Sort.byNumber(rows, 7);
        rows.addFirst("mess bytes sbytes rbytes recips tries xdelay " + column);
        return title + "\n\nOne line per " + who + ". Information on each line:\n"
                + "* mess is the number of messages sent by this " + column + ".\n"
                + "* bytes is the number of bytes sent by this " + column + ".\n"
                + "* sbytes is the number of bytes successfully received from this " + column + ".\n"
                + "* rbytes is the number of bytes from this " + column + ", weighted by recipient.\n"
                + "* recips is the number of recipients (success plus failure).\n"
                + "* tries is the number of delivery attempts (success, failure, deferral).\n"
                + "* xdelay is the total xdelay incurred by this " + column + ".\n\n"
                + Columns.format(rows);
    }
}
