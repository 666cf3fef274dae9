package org.qmailj.analog;

/** zoverall: basic statistics (qmailanalog 0.70's wording). */
public final class ZOverall implements Report {
    static final String HEADER = """
            Basic statistics

            qtime is the time spent by a message in the queue.

            ddelay is the latency for a successful delivery to one recipient---the
            end of successful delivery, minus the time when the message was queued.

            xdelay is the latency for a delivery attempt---the time when the attempt
            finished, minus the time when it started. The average concurrency is the
            total xdelay for all deliveries divided by the time span; this is a good
            measure of how busy the mailer is.

            """;

    private long messages, recips, tries, deliveries, succ, fail, mbytes, rbytes;
    private double qtime, ddelay, xdelay, first, last;
    private boolean seen;

    public static void main(String[] args) {
        Report.main("zoverall", new ZOverall());
    }

    @Override
    public void accept(String[] f) {
        if (f[1].equals("m")) {
            messages++;
            long bytes = (long) Awk.num(f[4]);
            long k = (long) Awk.num(f[5]), d = (long) Awk.num(f[6]), z = (long) Awk.num(f[7]);
            mbytes += bytes;
            rbytes += bytes * k;
            qtime += Awk.num(f[3]) - Awk.num(f[2]);
            recips += k + d;
            tries += k + d + z;
            span(Awk.num(f[2]), Awk.num(f[3]));
        } else if (f[1].equals("d")) {
            if (f[2].equals("k")) {
                succ++;
                ddelay += Awk.num(f[5]) - Awk.num(f[3]);
            } else if (f[2].equals("d")) {
                fail++;
            }
            deliveries++;
            xdelay += Awk.num(f[5]) - Awk.num(f[4]);
            span(Awk.num(f[3]), Awk.num(f[5]));
        }
    }

    private void span(double from, double to) {
        if (!seen || from < first) first = from;
        if (!seen || to > last) last = to;
        seen = true;
    }

    @Override
    public String text() {
        StringBuilder b = new StringBuilder(HEADER);
        b.append("Completed messages: ").append(messages).append('\n');
        if (messages > 0) {
            b.append("Recipients for completed messages: ").append(recips).append('\n');
            b.append("Total delivery attempts for completed messages: ").append(tries).append('\n');
            b.append("Average delivery attempts per completed message: ").append(Awk.str((double) tries / messages)).append('\n');
            b.append("Bytes in completed messages: ").append(mbytes).append('\n');
            b.append("Bytes weighted by success: ").append(rbytes).append('\n');
            b.append("Average message qtime (s): ").append(Awk.str(qtime / messages)).append('\n');
        }
        b.append('\n');
        b.append("Total delivery attempts: ").append(deliveries).append('\n');
        if (deliveries > 0) {
            b.append("  success: ").append(succ).append('\n');
            b.append("  failure: ").append(fail).append('\n');
            b.append("  deferral: ").append(deliveries - succ - fail).append('\n');
            b.append("Total ddelay (s): ").append(Awk.fixed(ddelay, 6)).append('\n');
            if (succ > 0) b.append("Average ddelay per success (s): ").append(Awk.fixed(ddelay / succ, 6)).append('\n');
            b.append("Total xdelay (s): ").append(Awk.fixed(xdelay, 6)).append('\n');
            b.append("Average xdelay per delivery attempt (s): ").append(Awk.fixed(xdelay / deliveries, 6)).append('\n');
            if (last > first) {
                b.append("Time span (days): ").append(Awk.str((last - first) / 86400)).append('\n');
                b.append("Average concurrency: ").append(Awk.str(xdelay / (last - first))).append('\n');
            }
        }
        return b.toString();
    }
}
