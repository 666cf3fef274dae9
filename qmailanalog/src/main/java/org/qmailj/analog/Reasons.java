package org.qmailj.analog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * zfailures, zdeferrals, zsuccesses: one line per reason a delivery ended with, the number
 * of such deliveries and their total xdelay; underscores shown as spaces, as the scripts'
 * {@code tr _ ' '} does (qmail-send's log turned the spaces of reports into underscores).
 */
class Reasons implements Report {
    private final String result;
    private final String title;
    private final String what;
    private final Map<String, double[]> byReason = new LinkedHashMap<>();

    Reasons(String result, String title, String what) {
        this.result = result;
        this.title = title;
        this.what = what;
    }

    @Override
    public void accept(String[] f) {
        if (!f[1].equals("d") || !f[2].equals(result)) return;
        double[] v = byReason.computeIfAbsent(f[11], k -> new double[2]);
        v[0]++;
        v[1] += Awk.num(f[5]) - Awk.num(f[4]);
    }

    @Override
    public String text() {
        List<String> rows = new ArrayList<>();
        byReason.forEach((reason, v) -> rows.add(Awk.str(v[0]) + " " + Awk.fixed(v[1], 2) + " " + reason));
        Sort.byText(rows, 2);
        rows.addFirst("del xdelay reason");
        return (title + "\n\nOne line per reason for " + what + ". Information on each line:\n"
                + "* del is the number of deliveries that ended for this reason.\n"
                + "* xdelay is the total xdelay on those deliveries.\n\n"
                + Columns.format(rows)).replace('_', ' ');
    }
}
