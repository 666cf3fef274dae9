package org.qmailj.splogger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Fifo;
import org.qmailj.testing.DefaultSignals;

/**
 * Lines that arrive one by one, a millisecond apart, are written out together: after a read
 * that empties the pipe the logger waits {@link Multilog#GATHER_MILLIS} before it reads again,
 * so it makes at most one write per wait. Counted from the kernel's own tally of the logger's
 * write calls (/proc/PID/io syscw); every line still arrives, once, in order.
 */
class MultilogGatherTest {
    private static final int LINES = 40;

    @TempDir
    Path tmp;

    @Test
    void multilogWritesLinesArrivingApartTogether() throws Exception {
        Process p = DefaultSignals.builder(Tools.multilog(true, "./log")).directory(tmp.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            OutputStream in = p.getOutputStream();
            String expected = gathered(p, in, tmp.resolve("log/current"));
            in.close();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            assertThat(Files.readString(tmp.resolve("log/current"), StandardCharsets.US_ASCII)).isEqualTo(expected);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void eachMultilogsReaderWritesLinesArrivingApartTogether() throws Exception {
        Fifo.make(tmp.resolve("a"), 0600);
        Fifo.make(tmp.resolve("b"), 0600);
        Process p = DefaultSignals.builder(Tools.java("org.qmailj.splogger.Multilogs", List.of("a", "./la", "::", "b", "./lb")))
                .directory(tmp.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (OutputStream in = new FileOutputStream(tmp.resolve("a").toFile())) {
            gathered(p, in, tmp.resolve("la/current"));
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * Writes a first line and waits for it, then LINES lines a millisecond apart, each its own
     * write; waits for all and checks the logger's write calls for them. Returns the content.
     */
    private static String gathered(Process p, OutputStream in, Path current) throws Exception {
        in.write("first\n".getBytes(StandardCharsets.US_ASCII));
        in.flush();
        awaitContent(current, "first\n");
        long before = writeCalls(p);
        StringBuilder expected = new StringBuilder("first\n");
        long t0 = System.nanoTime();
        for (int i = 0; i < LINES; i++) {
            String line = "line " + i + "\n";
            expected.append(line);
            in.write(line.getBytes(StandardCharsets.US_ASCII));
            in.flush();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        awaitContent(current, expected.toString());
        long writes = writeCalls(p) - before;
        System.out.println("multilog gather: " + LINES + " lines in " + elapsedMillis + " ms, " + writes + " write calls");
        // One write per wait at most: one when the first line wakes it, then one per wait
        // begun before the last line came (and the rounding of the elapsed time).
        assertThat(writes).isLessThanOrEqualTo(elapsedMillis / Multilog.GATHER_MILLIS + 3);
        assertThat(writes).isPositive();
        return expected.toString();
    }

    /** The write(2)-family calls the process has made so far, as the kernel counts them. */
    private static long writeCalls(Process p) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "io"))) {
            if (l.startsWith("syscw:")) return Long.parseLong(l.substring(6).trim());
        }
        throw new IOException("no syscw in /proc/" + p.pid() + "/io");
    }

    private static void awaitContent(Path file, String content) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String now = Files.exists(file) ? Files.readString(file, StandardCharsets.US_ASCII) : "";
            if (now.equals(content)) return;
            assertThat(System.nanoTime()).as("waiting for %s to hold %d bytes, has %d", file, content.length(), now.length())
                    .isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
