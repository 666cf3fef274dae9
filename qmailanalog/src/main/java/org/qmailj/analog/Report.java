package org.qmailj.analog;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;

/**
 * One of qmailanalog's z* reports: reads matchup's output ({@code m} and {@code d} lines,
 * others ignored) and prints a text table. Each keeps one entry per key it reports on
 * (sender, recipient, reason, distinct delay), never the lines themselves.
 */
interface Report {
    /** A line of matchup's output, split as awk splits it: [1] is "m" or "d". */
    void accept(String[] f);

    /** The report, header and table, as qmailanalog's script prints it. */
    String text();

    /** Every report's main: matchup's output on stdin, the report on stdout; 111 on I/O trouble. */
    static void main(String name, Report r) {
        try {
            run(r, new java.io.FileInputStream(java.io.FileDescriptor.in), new java.io.FileOutputStream(java.io.FileDescriptor.out));
        } catch (IOException e) {
            System.err.println(name + ": fatal: unable to read input or write output: " + e.getMessage());
            org.qmailj.common.Exit.now(111);
        }
        org.qmailj.common.Exit.now(0);
    }

    static void run(Report r, InputStream in, OutputStream out) throws IOException {
        LineReader lines = new LineReader(in);
        String line;
        while ((line = lines.next()) != null) {
            if (line.startsWith("m") || line.startsWith("d")) r.accept(Awk.fields(line, 11));
        }
        Writer w = Matchup.writer(out);
        w.write(r.text());
        w.flush();
    }
}
