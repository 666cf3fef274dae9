package org.qmailj.splogger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.Lock;
import org.qmailj.common.sys.Proc;
import org.qmailj.testing.Cmd;

/** multilogs: several fifos, each a multilog script, in one JVM. */
class MultilogsTest {
    private static final String STAMPED = "@4[0-9a-f]{23} ";

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    private static List<String> multilogs(String... args) {
        return Tools.java("org.qmailj.splogger.Multilogs", List.of(args));
    }

    /** Makes the fifos a, b, c and starts multilogs; waits until every group has its current. */
    private Process start(String... args) throws Exception {
        for (String f : List.of("a", "b", "c")) {
            Fifo.make(tmp.resolve(f), 0600);
        }
        Process p = new ProcessBuilder(multilogs(args)).directory(tmp.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        started.add(p);
        List<Path> currents = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("./")) currents.add(tmp.resolve(a).resolve("current"));
        }
        long end = System.nanoTime() + 20_000_000_000L;
        while (!currents.stream().allMatch(Files::exists)) {
            if (System.nanoTime() > end || !p.isAlive()) throw new AssertionError("multilogs did not start");
            Thread.sleep(20);
        }
        return p;
    }

    private OutputStream writer(String fifo) throws Exception {
        return new FileOutputStream(tmp.resolve(fifo).toFile());
    }

    private static void write(OutputStream out, String s) throws Exception {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private String current(String dir) throws Exception {
        return Files.readString(tmp.resolve(dir).resolve("current"), StandardCharsets.ISO_8859_1);
    }

    /** The lines of dir/current, waited for until there are n of them. */
    private List<String> awaitLines(String dir, int n) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        while (true) {
            List<String> lines = Files.exists(tmp.resolve(dir).resolve("current")) ? current(dir).lines().toList() : List.of();
            if (lines.size() >= n) return lines;
            if (System.nanoTime() > end) throw new AssertionError(dir + "/current is " + lines);
            Thread.sleep(20);
        }
    }

    @Test
    void eachFifoGoesToItsOwnLogsWithItsOwnScript() throws Exception {
        start("a", "t", "./la", "::", "b", "t", "./lb", "::", "c", "-*skip*", "./lc", "./lc2");
        try (OutputStream a = writer("a"); OutputStream b = writer("b"); OutputStream c = writer("c")) {
            write(a, "from a 1\n");
            write(b, "from b\n");
            write(a, "from a 2\n");
            String longLine = "x".repeat(2500);
            write(c, "keep\nskip this\n" + longLine + "\n");
            assertThat(awaitLines("la", 2)).satisfiesExactly(
                    l -> assertThat(l).matches(STAMPED + "from a 1"), l -> assertThat(l).matches(STAMPED + "from a 2"));
            assertThat(awaitLines("lb", 1)).singleElement().satisfies(l -> assertThat(l).matches(STAMPED + "from b"));
            // no t: no stamps; a deselected line goes nowhere; a long line goes through whole
            assertThat(awaitLines("lc", 2)).containsExactly("keep", longLine);
            assertThat(current("lc2")).isEqualTo(current("lc"));
        }
    }

    @Test
    void aWriterThatClosesAndANewOneKeepLogging() throws Exception {
        Process p = start("a", "./la", "::", "b", "./lb");
        try (OutputStream a = writer("a")) {
            write(a, "first daemon\n");
        }
        awaitLines("la", 1);
        // A line through another fifo, logged after the close: multilogs went on serving.
        try (OutputStream b = writer("b")) {
            write(b, "between\n");
            awaitLines("lb", 1);
        }
        assertThat(p.isAlive()).isTrue();
        try (OutputStream a = writer("a"); OutputStream b = writer("b")) {
            write(a, "second daemon\n");
            write(b, "other\n");
            assertThat(awaitLines("la", 2)).containsExactly("first daemon", "second daemon");
            assertThat(awaitLines("lb", 2)).containsExactly("between", "other");
        }
        // The daemon's next open for writing does not wait either: we hold a write end.
        assertThat(p.isAlive()).isTrue();
    }

    @Test
    void termTakesWhatThePipesHoldEndsTheLineAndExitsZero() throws Exception {
        Process p = start("a", "t", "./la", "::", "b", "./lb", "::", "c", "./lc");
        try (OutputStream a = writer("a"); OutputStream b = writer("b"); OutputStream c = writer("c")) {
            write(a, "early\n");
            awaitLines("la", 1);
            // Stopped, it reads nothing: what follows is in the pipes when the TERM is handled.
            Proc.kill(p.pid(), Proc.SIGSTOP);
            write(a, "one\ntwo\n");
            write(b, "b1\nhalf a line");
            write(c, "y".repeat(30_000) + "\n");
            Proc.kill(p.pid(), Proc.SIGTERM);
            Proc.kill(p.pid(), Proc.SIGCONT);
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        }
        assertThat(current("la").lines().toList()).satisfiesExactly(l -> assertThat(l).matches(STAMPED + "early"),
                l -> assertThat(l).matches(STAMPED + "one"), l -> assertThat(l).matches(STAMPED + "two"));
        assertThat(current("lb")).isEqualTo("b1\nhalf a line\n");
        assertThat(current("lc")).isEqualTo("y".repeat(30_000) + "\n");
        for (String d : List.of("la", "lb", "lc")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve(d).resolve("current"))))
                    .as(d).isEqualTo("rwxr--r--");
        }
    }

    /**
     * What TERM does, in this JVM with no reader running, so the bytes are certainly still in
     * the pipes: everything there is taken, a line in progress ended, the currents completed.
     */
    @Test
    void finishTakesEverythingStillInThePipes() throws Exception {
        for (String f : List.of("a", "b")) {
            Fifo.make(tmp.resolve(f), 0600);
        }
        String la = tmp.resolve("la").toString();
        String lb = tmp.resolve("lb").toString();
        List<Multilogs.Group> gs = Multilogs.open(new String[] {tmp.resolve("a").toString(), la, "::",
                tmp.resolve("b").toString(), lb});
        // Our open held a write end already: the writers' opens do not wait.
        try (OutputStream a = writer("a"); OutputStream b = writer("b")) {
            write(a, "a1\n" + "z".repeat(20_000) + "\na3\n");
            write(b, "b1\nhalf a line");
            Multilogs.finish(gs);
        }
        assertThat(current("la")).isEqualTo("a1\n" + "z".repeat(20_000) + "\na3\n");
        assertThat(current("lb")).isEqualTo("b1\nhalf a line\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("lb/current"))))
                .isEqualTo("rwxr--r--");
    }

    @Test
    void termWithNothingPendingExitsAtOnce() throws Exception {
        Process p = start("a", "./la", "::", "b", "./lb");
        Proc.kill(p.pid(), Proc.SIGTERM);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(current("la")).isEmpty();
    }

    @Test
    void alrmRotatesEveryNonEmptyCurrent() throws Exception {
        Process p = start("a", "./la", "::", "b", "./lb", "::", "c", "./lc");
        try (OutputStream a = writer("a"); OutputStream b = writer("b")) {
            write(a, "in a\n");
            write(b, "in b\n");
            awaitLines("la", 1);
            awaitLines("lb", 1);
            Proc.kill(p.pid(), Proc.SIGALRM);
            long end = System.nanoTime() + 20_000_000_000L;
            while ((MultilogTest.oldLogs(tmp.resolve("la")).isEmpty() || MultilogTest.oldLogs(tmp.resolve("lb")).isEmpty())
                    && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertThat(MultilogTest.oldLogs(tmp.resolve("la"))).singleElement()
                    .satisfies(f -> assertThat(Files.readString(f)).isEqualTo("in a\n"));
            assertThat(MultilogTest.oldLogs(tmp.resolve("lb"))).singleElement()
                    .satisfies(f -> assertThat(Files.readString(f)).isEqualTo("in b\n"));
            assertThat(MultilogTest.oldLogs(tmp.resolve("lc"))).as("empty current: not rotated").isEmpty();
            write(a, "after\n");
            assertThat(awaitLines("la", 1)).containsExactly("after");
        }
    }

    private Cmd.Result run(String... args) throws Exception {
        return Cmd.run(multilogs(args), java.util.Map.of(), tmp, new byte[0], 60);
    }

    @Test
    void badUsageExits100AndNamesTheForm() throws Exception {
        Fifo.make(tmp.resolve("a"), 0600);
        for (String[] args : List.of(new String[] {}, new String[] {"a", "./la", "::"}, new String[] {"::", "a", "./la"},
                new String[] {"a", "./la", "::", "::", "a", "./lb"})) {
            Cmd.Result r = run(args);
            assertThat(r.exit()).as(List.of(args).toString()).isEqualTo(100);
            assertThat(r.err()).isEqualTo("multilogs: usage: multilogs fifo script [:: fifo script]...\n");
        }
        assertThat(tmp.resolve("la")).doesNotExist();
    }

    @Test
    void whenNoGroupOpensItIsFatal() throws Exception {
        Fifo.make(tmp.resolve("a"), 0600);
        Files.writeString(tmp.resolve("plain"), "");
        Cmd.Result r = run("missing", "./lb");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("multilogs: fatal: unable to open missing: file does not exist\n");
        r = run("plain", "./la");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("multilogs: fatal: unable to open plain: not a named pipe\n");
        // multilog's own texts for its directories; the first group's reason
        Files.createDirectory(tmp.resolve("lc"));
        try (Lock held = Lock.tryExclusive(tmp.resolve("lc/lock")).orElseThrow()) {
            r = run("a", "./la", "./lc", "::", "missing", "./lb");
            assertThat(r.exit()).isEqualTo(111);
            assertThat(r.err()).isEqualTo("multilogs: fatal: unable to lock directory ./lc: temporary failure\n");
        }
    }

    /**
     * One log that cannot start (its directory locked by someone else, its fifo not made yet)
     * stops no other: as separate multilogs under supervise, the others log, and it is tried
     * again every second with what its pipe holds meanwhile.
     */
    @Test
    void aGroupThatCannotOpenWaitsWhileTheOthersLog() throws Exception {
        Fifo.make(tmp.resolve("a"), 0600);
        Fifo.make(tmp.resolve("b"), 0600);
        Files.createDirectory(tmp.resolve("lc"));
        Lock held = Lock.tryExclusive(tmp.resolve("lc/lock")).orElseThrow();
        Path err = tmp.resolve("err");
        Process p = startWithout("la", err, "a", "./la", "::", "b", "./lb", "./lc", "::", "m", "./lm");
        try (OutputStream wa = writer("a"); OutputStream wb = writer("b")) {
            write(wa, "first\n");
            assertThat(awaitLines("la", 1)).containsExactly("first");
            awaitErr(err, "multilogs: warning: unable to lock directory ./lc: temporary failure; b waits, tried again every second\n");
            awaitErr(err, "multilogs: warning: unable to open m: file does not exist; m waits, tried again every second\n");
            // b's first directory was given back when its second failed (each try takes it a moment)
            long end = System.nanoTime() + 10_000_000_000L;
            Optional<Lock> lb = Optional.empty();
            while (lb.isEmpty() && System.nanoTime() < end) {
                lb = Lock.tryExclusive(tmp.resolve("lb/lock"));
                if (lb.isEmpty()) Thread.sleep(50);
            }
            assertThat(lb).as("lb's lock is free").isPresent();
            lb.get().close();
            // b's pipe is open: its daemon writes on, and the lines wait there
            write(wb, "waited\n");
            write(wa, "second\n");
            assertThat(awaitLines("la", 2)).containsExactly("first", "second");
            held.close();
            assertThat(awaitLines("lb", 1)).containsExactly("waited");
            assertThat(awaitLines("lc", 1)).containsExactly("waited");
            awaitErr(err, "multilogs: info: b logs now\n");
            Fifo.make(tmp.resolve("m"), 0600);
            try (OutputStream wm = writer("m")) {
                write(wm, "late\n");
                assertThat(awaitLines("lm", 1)).containsExactly("late");
            }
            awaitErr(err, "multilogs: info: m logs now\n");
            assertThat(p.isAlive()).isTrue();
        } finally {
            held.close();
        }
    }

    @Test
    void termWithAGroupStillWaitingEndsTheOthersAndExitsZero() throws Exception {
        Fifo.make(tmp.resolve("a"), 0600); // and no fifo m
        Process p = startWithout("la", tmp.resolve("err"), "a", "./la", "::", "m", "./lm");
        try (OutputStream wa = writer("a")) {
            write(wa, "part"); // in the pipe or already read: TERM takes it either way
            Proc.kill(p.pid(), Proc.SIGTERM);
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(p.exitValue()).isZero();
        assertThat(current("la")).isEqualTo("part\n");
        assertThat(Files.getPosixFilePermissions(tmp.resolve("la/current"))).isEqualTo(PosixFilePermissions.fromString("rwxr--r--"));
        assertThat(tmp.resolve("lm")).doesNotExist();
    }

    /**
     * Starts multilogs with some groups unable to open; waits for {@code dir}'s current (before
     * a fifo is opened for writing, which without a reader would wait for ever).
     */
    private Process startWithout(String dir, Path err, String... args) throws Exception {
        Process p = new ProcessBuilder(multilogs(args)).directory(tmp.toFile()).redirectError(err.toFile()).start();
        started.add(p);
        long up = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(tmp.resolve(dir).resolve("current"))) {
            if (System.nanoTime() > up || !p.isAlive()) throw new AssertionError("multilogs did not start: " + Files.readString(err));
            Thread.sleep(20);
        }
        return p;
    }

    private static void awaitErr(Path err, String line) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        while (!Files.readString(err).contains(line)) {
            if (System.nanoTime() > end) throw new AssertionError("stderr: " + Files.readString(err) + " lacks " + line);
            Thread.sleep(20);
        }
    }
}
