package org.qmailj.analog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * zddist: the distribution of ddelays of successful deliveries (qmailanalog 0.70's ddist).
 * As ddist, each ddelay is first printed with awk's %.6g and the distinct values are what
 * count: a line "doneby avg pct" says the first pct% of successes were done within doneby
 * seconds, avg being the mean of the distinct ddelays up to there. Only a count per distinct
 * ddelay is kept.
 */
public final class ZDdist implements Report {
    private final TreeMap<Double, Long> counts = new TreeMap<>();
    private long total;

    public static void main(String[] args) {
        Report.main("zddist", new ZDdist());
    }

    @Override
    public void accept(String[] f) {
        if (!f[1].equals("d") || !f[2].equals("k")) return;
        double d = Double.parseDouble(Awk.str(Awk.num(f[5]) - Awk.num(f[3])));
        counts.merge(d, 1L, Long::sum);
        total++;
    }

    @Override
    public String text() {
        List<String> rows = new ArrayList<>();
        rows.add("doneby avg pct");
        if (total > 0) {
            double[] mindel = new double[101];
            double[] totdel = new double[101];
            long[] numdel = new long[101];
            java.util.Arrays.fill(mindel, -1);
            long cumulative = 0;
            for (Map.Entry<Double, Long> e : counts.entrySet()) {
                cumulative += e.getValue();
                double d = e.getKey();
                int p = (int) ((cumulative * 100) / total);
                if (mindel[p] == -1 || d < mindel[p]) mindel[p] = d;
                totdel[p] += d;
                numdel[p]++;
            }
            double td = 0;
            long nd = 0;
            for (int p = 0; p <= 100; p++) {
                td += totdel[p];
                nd += numdel[p];
                if (p >= 10 && nd > 0 && mindel[p] >= 0) rows.add(Awk.fixed(mindel[p], 2) + " " + Awk.fixed(td / nd, 2) + " " + p);
            }
        }
        return """
                Distribution of ddelays for successful deliveries

                Meaning of each line: The first pct% of successful deliveries
                all happened within doneby seconds. The average ddelay was avg.

                """ + Columns.format(rows);
    }
}
