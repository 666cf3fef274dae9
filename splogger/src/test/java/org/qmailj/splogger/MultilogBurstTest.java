package org.qmailj.splogger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Fifo;
import org.qmailj.testing.Cmd;

/**
 * A burst through multilog with s and n limits, where every line must be present exactly
 * once across the rotated files, and the same while multilog is killed with SIGKILL at random
 * moments and in the middle of rotations (restarted on the same pipe, as svscan does).
 *
 * <p>Default ~15 MB; {@code -Dmultilog.burst.mb=100} for the 100 MB variant.
 */
class MultilogBurstTest {
    private static final int LINE = 100;
    /** The most a SIGKILL can lose: what one read took from the pipe and was not yet written. */
    private static final int READ_BUFFER = Multilog.READ;

    @TempDir
    Path tmp;

    static byte[] line(int i) {
        String head = String.format("%09d burst ", i);
        return (head + "x".repeat(LINE - head.length() - 1) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void everyLineExactlyOnceAcrossRotatedFiles() throws Exception {
        int mb = Integer.getInteger("multilog.burst.mb", 15);
        int n = mb * 1024 * 1024 / LINE;
        byte[] in = new byte[n * LINE];
        for (int i = 0; i < n; i++) {
            System.arraycopy(line(i), 0, in, i * LINE, LINE);
        }
        long t0 = System.nanoTime();
        Cmd.Result r = Cmd.run(Tools.multilog(true, "s1000000", "n1000", "./log"), Map.of(), tmp, in, 170);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.exit()).as(r.toString()).isZero();
        System.out.println("multilog burst: " + mb + " MB, " + n + " lines in " + ms + " ms");
        Path log = tmp.resolve("log");
        List<Path> old = MultilogTest.oldLogs(log);
        assertThat(old).hasSizeGreaterThanOrEqualTo(mb - 1);
        for (Path p : old) {
            assertThat(Files.size(p)).isBetween(1000000L - 2000, 1000000L);
            assertThat(Files.size(p) % LINE).isZero();
        }
        assertThat(MultilogTest.concatenated(log)).isEqualTo(in);
    }

    @Test
    void countLimitRemovesTheOldestFirst() throws Exception {
        int n = 600_000 / LINE;
        byte[] in = new byte[n * LINE];
        for (int i = 0; i < n; i++) {
            System.arraycopy(line(i), 0, in, i * LINE, LINE);
        }
        Cmd.Result r = Cmd.run(Tools.multilog(true, "s10000", "n5", "./log"), Map.of(), tmp, in, 120);
        assertThat(r.exit()).isZero();
        Path log = tmp.resolve("log");
        assertThat(MultilogTest.oldLogs(log)).hasSize(4);
        byte[] kept = MultilogTest.concatenated(log);
        // What is kept is exactly the end of the input.
        byte[] tail = java.util.Arrays.copyOfRange(in, in.length - kept.length, in.length);
        assertThat(kept).isEqualTo(tail);
    }

    @Test
    void killedWithSigkillAtRandomAndMidRotationNeitherDuplicatesNorLosesWrittenLines() throws Exception {
        Path fifo = tmp.resolve("fifo");
        Fifo.make(fifo, 0600);
        int n = 40_000;
        int kills = 0;
        try (RandomAccessFile writer = new RandomAccessFile(fifo.toFile(), "rw")) {
            Thread feeder = Thread.ofPlatform().start(() -> {
                try {
                    byte[] chunk = new byte[200 * LINE];
                    for (int i = 0; i < n; i += 200) {
                        for (int k = 0; k < 200; k++) {
                            System.arraycopy(line(i + k), 0, chunk, k * LINE, LINE);
                        }
                        writer.write(chunk);
                        Thread.sleep(8);
                    }
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            // Phase 1: small files, kills at random moments.
            for (int round = 0; round < 5 && feeder.isAlive(); round++) {
                Process p = start(fifo, "s4096", "n100000", "./log");
                Thread.sleep(ThreadLocalRandom.current().nextInt(300, 700));
                p.destroyForcibly().waitFor();
                kills++;
            }
            // Phase 2: a slow processor; kill while current is being processed.
            for (int round = 0; round < 3 && feeder.isAlive(); round++) {
                Process p = start(fifo, "s65536", "n100000", "!sleep 0.3; exec cat", "./log");
                Path previous = tmp.resolve("log/previous");
                long end = System.nanoTime() + 20_000_000_000L;
                while (!Files.exists(previous) && System.nanoTime() < end) {
                    Thread.sleep(5);
                }
                assertThat(previous).exists();
                Thread.sleep(ThreadLocalRandom.current().nextInt(0, 250));
                p.destroyForcibly().waitFor();
                kills++;
            }
            // Last: run to the end of the input.
            Process last = start(fifo, "s4096", "n100000", "./log");
            feeder.join();
            writer.close();
            assertThat(last.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(last.exitValue()).isZero();
        }
        Path log = tmp.resolve("log");
        assertThat(MultilogTest.oldLogs(log)).anyMatch(p -> p.toString().endsWith(".u"));
        assertThat(log.resolve("previous")).doesNotExist();
        assertThat(log.resolve("processed")).doesNotExist();

        String all = new String(MultilogTest.concatenated(log), StandardCharsets.US_ASCII);
        Set<Integer> seen = new HashSet<>();
        int last = -1;
        int broken = 0;
        for (String l : all.split("\n", -1)) {
            if (l.isEmpty()) {
                continue;
            }
            int i = l.length() == LINE - 1 && l.matches("\\d{9} burst x+") ? Integer.parseInt(l.substring(0, 9)) : -1;
            if (i < 0) {
                broken++;
                continue;
            }
            assertThat(seen.add(i)).as("line %d twice", i).isTrue();
            assertThat(i).as("order").isGreaterThan(last);
            last = i;
        }
        assertThat(broken).isLessThanOrEqualTo(kills);
        assertThat(last).isEqualTo(n - 1);
        int missing = n - seen.size();
        assertThat(missing).isLessThanOrEqualTo(kills * (READ_BUFFER / LINE + 2));
        System.out.println("multilog kill -9: " + kills + " kills, " + missing + " lines lost in flight, "
                + broken + " lines cut");
    }

    private Process start(Path fifo, String... script) throws IOException {
        return new ProcessBuilder(Tools.multilog(true, script)).directory(tmp.toFile())
                .redirectInput(fifo.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
