package org.qmailj.analog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** zrecipients: one line per recipient (channel.address), from the d lines (qmailanalog 0.70). */
public final class ZRecipients implements Report {
    /** sbytes, succ, fail, temp, xdelay. */
    private final Map<String, double[]> byRecipient = new LinkedHashMap<>();

    public static void main(String[] args) {
        Report.main("zrecipients", new ZRecipients());
    }

    @Override
    public void accept(String[] f) {
        if (!f[1].equals("d")) return;
        double[] v = byRecipient.computeIfAbsent(f[8], k -> new double[5]);
        v[4] += Awk.num(f[5]) - Awk.num(f[4]);
        switch (f[2]) {
            case "k" -> {
                v[0] += Awk.num(f[6]);
                v[1]++;
            }
            case "d" -> v[2]++;
            case "z" -> v[3]++;
            default -> { }
        }
    }

    @Override
    public String text() {
        List<String> rows = new ArrayList<>();
        byRecipient.forEach((r, v) -> rows.add(Awk.str(v[0]) + " " + Awk.str(v[1] + v[2]) + " " + Awk.str(v[1] + v[2] + v[3])
                + " " + Awk.fixed(v[4], 2) + " " + r));
        Sort.byText(rows, 4);
        rows.addFirst("sbytes mess tries xdelay recipient");
        return """
                Recipients

                One line per recipient. Information on each line:
                * sbytes is the number of bytes successfully delivered to this recipient.
                * mess is the number of messages sent to this recipient (success plus failure).
                * tries is the number of delivery attempts (success, failure, deferral).
                * xdelay is the total xdelay incurred by this recipient.

                """ + Columns.format(rows);
    }
}
