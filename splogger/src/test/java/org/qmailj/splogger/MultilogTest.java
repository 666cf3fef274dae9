package org.qmailj.splogger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * multilog's actions against Debian's multilog on the same input: selection patterns, e,
 * =file, t, long lines, partial last line, rotation with s and n, a processor with its
 * state, the lock, and restart after a clean end.
 */
class MultilogTest {
    @TempDir
    Path tmp;

    private record Run(Cmd.Result result, Path dir) {
    }

    private Run run(boolean ours, String sub, byte[] input, String... script) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(ours ? "ours" : "debian").resolve(sub));
        Cmd.Result r = Cmd.run(Tools.multilog(ours, script), Map.of(), dir, input, 120);
        assertThat(r.exit()).as(r.toString()).isZero();
        return new Run(r, dir);
    }

    /** All old logs in name (= time) order, then current. */
    static byte[] concatenated(Path log) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Path p : oldLogs(log)) {
            out.write(Files.readAllBytes(p));
        }
        Path cur = log.resolve("current");
        if (Files.exists(cur)) {
            out.write(Files.readAllBytes(cur));
        }
        return out.toByteArray();
    }

    static List<Path> oldLogs(Path log) throws IOException {
        try (Stream<Path> s = Files.list(log)) {
            return s.filter(p -> p.getFileName().toString().startsWith("@")).sorted().toList();
        }
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static byte[] input() {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 3000; i++) {
            sb.append(i % 7 == 0 ? "fatal: line " : "line ").append(i).append('\n');
        }
        sb.append('\n');
        sb.append("x".repeat(1500)).append("5 tail beyond 1000\n");
        sb.append("55 ").append("y".repeat(300)).append('\n');
        sb.append("5 ").append("w".repeat(300)).append('\n');
        sb.append("partial last 5");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void selectionAlertsAndStatusFileMatchDebian() throws Exception {
        String[] script = {"-*", "+*5*", "-*55*", "e", "=status", "./main", "+*", "./all"};
        byte[] in = input();
        Run o = run(true, "sel", in, script);
        Run d = run(false, "sel", in, script);
        assertThat(str(concatenated(o.dir.resolve("main"))))
                .isEqualTo(str(concatenated(d.dir.resolve("main"))));
        assertThat(str(concatenated(o.dir.resolve("all"))))
                .isEqualTo(str(concatenated(d.dir.resolve("all"))));
        assertThat(o.result.err()).isEqualTo(d.result.err());
        assertThat(Files.readAllBytes(o.dir.resolve("status")))
                .isEqualTo(Files.readAllBytes(d.dir.resolve("status"))).hasSize(1001);
        // the partial last line gets its newline
        assertThat(str(concatenated(o.dir.resolve("all")))).endsWith("partial last 5\n");
        assertThat(str(concatenated(o.dir.resolve("main")))).contains("line 5\n", "line 15\n")
                .doesNotContain("line 55\n", "line 1\n");
        // pattern checks only the first 1000 bytes: the long x line has its 5 at 1500
        assertThat(str(concatenated(o.dir.resolve("main")))).doesNotContain("xxxxx5");
        assertThat(o.result.err()).contains("5 " + "w".repeat(198) + "...\n").doesNotContain("yyy");
    }

    @Test
    void timestampsComeFirstAndPatternsSeeThem() throws Exception {
        String[] script = {"t", "-*", "+* fatal: *", "./main"};
        byte[] in = input();
        Run o = run(true, "t", in, script);
        Run d = run(false, "t", in, script);
        String ours = str(concatenated(o.dir.resolve("main")));
        String debian = str(concatenated(d.dir.resolve("main")));
        String stamp = "@[0-9a-f]{24} ";
        assertThat(ours.replaceAll(stamp, "@ ")).isEqualTo(debian.replaceAll(stamp, "@ "));
        assertThat(ours.lines().count()).isEqualTo(3000 / 7);
        long now = org.qmailj.common.tai.Tai64n.now().label();
        String prev = "";
        for (String l : ours.lines().toList()) {
            assertThat(l).matches(stamp + "fatal: line \\d+");
            String hex = l.substring(1, 25);
            assertThat(hex.compareTo(prev)).isGreaterThanOrEqualTo(0);
            prev = hex;
            assertThat(Long.parseUnsignedLong(hex.substring(0, 16), 16)).isBetween(now - 60, now);
        }
    }

    @Test
    void rotatesWithSizeAndCountLimits() throws Exception {
        byte[] in = input();
        Run o = run(true, "rot", in, "s4096", "n4", "./log");
        Path log = o.dir.resolve("log");
        List<Path> old = oldLogs(log);
        assertThat(old).hasSize(3);
        for (Path p : old) {
            assertThat(p.getFileName().toString()).matches("@[0-9a-f]{24}\\.s");
            assertThat(Files.size(p)).isBetween(2096L, 4096L);
            assertThat(Files.readString(p, StandardCharsets.ISO_8859_1)).endsWith("\n");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rwxr--r--");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log.resolve("current"))))
                .isEqualTo("rwxr--r--");
        // the newest lines, in order, are the tail of the input
        String all = str(concatenated(log));
        assertThat(str(in) + "\n").endsWith(all);
        assertThat(all.length()).isGreaterThan(3 * 2096);

        // Restart: a cleanly finished current (744) is continued, set back to 644 while running.
        Cmd.Result again = Cmd.run(Tools.multilog(true, "s4096", "n4", "./log"), Map.of(), o.dir,
                "more\n".getBytes(StandardCharsets.US_ASCII), 60);
        assertThat(again.exit()).isZero();
        assertThat(str(concatenated(log))).endsWith("partial last 5\nmore\n");
        // Debian's multilog continues our directory the same way.
        Cmd.Result deb = Cmd.run(Tools.multilog(false, "s4096", "n4", "./log"), Map.of(), o.dir,
                "debian\n".getBytes(StandardCharsets.US_ASCII), 60);
        assertThat(deb.exit()).isZero();
        assertThat(str(concatenated(log))).endsWith("partial last 5\nmore\ndebian\n");
        assertThat(oldLogs(log)).hasSize(3);
    }

    @Test
    void longLineIsSplitAtTheSizeLimit() throws Exception {
        byte[] in = ("z".repeat(10000) + "\nend\n").getBytes(StandardCharsets.US_ASCII);
        Run o = run(true, "long", in, "s4096", "n10", "./log");
        Path log = o.dir.resolve("log");
        assertThat(str(concatenated(log))).isEqualTo(str(in));
        for (Path p : oldLogs(log)) {
            assertThat(Files.size(p)).isLessThanOrEqualTo(4096L);
        }
        assertThat(oldLogs(log)).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void processorOutputBecomesTheOldLogAndItsStateIsKept() throws Exception {
        // Upper-cases the log; state counts rotations (read on fd 4, written on fd 5).
        String proc = "!tr a-z A-Z; (cat <&4; echo r) >&5";
        byte[] in = input();
        Run o = run(true, "proc", in, "s4096", "n100", proc, "./log");
        Run d = run(false, "proc", in, "s4096", "n100", proc, "./log");
        for (Run r : List.of(o, d)) {
            Path log = r.dir.resolve("log");
            List<Path> old = oldLogs(log);
            assertThat(old).isNotEmpty();
            String processed = old.stream().map(p -> {
                try {
                    return Files.readString(p, StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }).reduce("", String::concat);
            String whole = processed + Files.readString(log.resolve("current"), StandardCharsets.ISO_8859_1);
            assertThat(whole.toLowerCase()).isEqualTo(str(in).toLowerCase() + "\n");
            assertThat(processed).isEqualTo(processed.toUpperCase());
            assertThat(Files.readString(log.resolve("state"))).isEqualTo("r\n".repeat(old.size()));
            assertThat(log.resolve("previous")).doesNotExist();
            assertThat(log.resolve("processed")).doesNotExist();
        }
    }

    @Test
    void lockExcludesASecondMultilogEitherWay() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("lock"));
        for (boolean oursHolds : new boolean[] {true, false}) {
            String name = "./log" + oursHolds;
            Process holder = new ProcessBuilder(Tools.multilog(oursHolds, name)).directory(dir.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                Path lock = dir.resolve(name).resolve("current");
                long end = System.nanoTime() + 20_000_000_000L;
                while (!Files.exists(lock) && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                Thread.sleep(300);
                Cmd.Result second = Cmd.run(Tools.multilog(!oursHolds, name), Map.of(), dir, new byte[0], 60);
                assertThat(second.exit()).isEqualTo(111);
                assertThat(second.err()).isEqualTo(
                        "multilog: fatal: unable to lock directory " + name + ": temporary failure\n");
            } finally {
                holder.getOutputStream().close();
                holder.waitFor();
            }
        }
    }

    @Test
    void unknownActionsAreIgnoredAndNoScriptDiscards() throws Exception {
        List<String> none = new ArrayList<>();
        Cmd.Result r = Cmd.run(Tools.java("org.qmailj.splogger.Multilog", none), Map.of(), tmp,
                input(), 60);
        assertThat(r.exit()).isZero();
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isEmpty();
    }
}
