package org.qmailj.send;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The whole delivery side as separate processes, started by the real qmail-start: bin/ of a
 * test QMAIL_HOME holds scripts that exec this JVM's java on the test classpath for
 * qmail-send and qmail-clean (real) and qmail-lspawn / qmail-rspawn ({@link FakeSpawner}).
 */
final class ProcessHarness {
    /**
     * Destroys, after each test, every harness it tracked: a test that fails half way leaves no
     * qmail-send and no spawners behind. {@code @RegisterExtension final ProcessHarness.Tracker
     * harnesses = new ProcessHarness.Tracker();}, then {@code harnesses.track(new ProcessHarness(tq))}.
     */
    static final class Tracker implements org.junit.jupiter.api.extension.AfterEachCallback {
        private final List<ProcessHarness> tracked = new java.util.ArrayList<>();

        ProcessHarness track(ProcessHarness h) {
            tracked.add(h);
            return h;
        }

        @Override
        public void afterEach(org.junit.jupiter.api.extension.ExtensionContext context) {
            tracked.forEach(ProcessHarness::destroy);
            tracked.clear();
        }
    }

    final TestQueue tq;
    final Path deliveries;
    final Path log;
    private Process start;
    /** Extra environment for qmail-start (and so for qmail-send). */
    final java.util.Map<String, String> env = new java.util.HashMap<>();
    private final String jvm;

    ProcessHarness(TestQueue tq) throws IOException {
        this.tq = tq;
        this.deliveries = tq.home.resolve("deliveries");
        this.log = tq.home.resolve("log");
        Path bin = tq.home.resolve("bin");
        Files.createDirectories(bin);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        jvm = java + " --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx128m -cp "
                + System.getProperty("java.class.path") + " -Dqmail.home=" + tq.home;
        script(bin, "qmail-send", jvm + " org.qmailj.send.QmailSend");
        script(bin, "qmail-clean", jvm + " org.qmailj.clean.QmailClean");
        script(bin, "qmail-lspawn", jvm + " org.qmailj.send.FakeSpawner " + tq.q.root() + " " + deliveries + " 120 0 0 ROOT");
        script(bin, "qmail-rspawn", jvm + " org.qmailj.send.FakeSpawner " + tq.q.root() + " " + deliveries + " 120 0 0 QMAILR");
    }

    /** bin/qmail-queued: the real queue writer, which qmail-start starts when none answers. */
    ProcessHarness withQueueWriter() throws IOException {
        script(tq.home.resolve("bin"), "qmail-queued", jvm + " org.qmailj.queue.QmailQueued \"$@\"");
        return this;
    }

    /** bin/qmail-lspawn: the real one (root, users' warm qmail-local workers), not FakeSpawner. */
    ProcessHarness withRealLspawn() throws IOException {
        script(tq.home.resolve("bin"), "qmail-lspawn", jvm + " org.qmailj.lspawn.QmailLspawn \"$@\"");
        return this;
    }

    /** bin/qmail-send with this maximum heap ({@code -Xmx...}) instead of the harness's 128 MB. */
    ProcessHarness sendHeap(String xmx) throws IOException {
        script(tq.home.resolve("bin"), "qmail-send", jvm.replace("-Xmx128m", xmx) + " org.qmailj.send.QmailSend");
        return this;
    }

    /** bin/qmail-send becomes {@link FaultyQmailSend}, failing once {@code marker} exists. */
    ProcessHarness faultySend(Path marker) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        script(tq.home.resolve("bin"), "qmail-send", java + " --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx128m -cp "
                + System.getProperty("java.class.path") + " -Dqmail.home=" + tq.home + " -Dqmail.test.schedulerFault=" + marker
                + " org.qmailj.send.FaultyQmailSend");
        return this;
    }

    /** The command line of qmail-start ./Maildir/ as {@link #start} runs it. */
    List<String> startCommand() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "-Dqmail.home=" + tq.home, "org.qmailj.send.QmailStart", "./Maildir/");
    }

    private static void script(Path bin, String name, String command) throws IOException {
        Path p = bin.resolve(name);
        Files.writeString(p, "#!/bin/sh\nexec " + command + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Runs qmail-start ./Maildir/ with its output appended to the log file. */
    ProcessHarness start(String... logger) throws IOException {
        return startWrapped(List.of(), logger);
    }

    /** {@link #start} with qmail-start run by {@code wrapper} (e.g. strace -f -o FILE). */
    ProcessHarness startWrapped(List<String> wrapper, String... logger) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(wrapper);
        cmd.addAll(startCommand());
        ProcessBuilder pb = org.qmailj.testing.DefaultSignals.builder(cmd);
        pb.command().addAll(List.of(logger));
        pb.environment().put("QMAIL_HOME", tq.home.toString());
        pb.environment().putAll(env);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectError(ProcessBuilder.Redirect.appendTo(tq.home.resolve("stderr").toFile()));
        pb.redirectInput(new File("/dev/null"));
        start = pb.start();
        return this;
    }

    long sendPid() { return start.pid(); }

    /** qmail-send's children whose command line contains {@code what}. */
    Optional<ProcessHandle> child(String what) {
        return start.toHandle().children().filter(c -> c.info().commandLine().orElse("").contains(what)).findFirst();
    }

    List<ProcessHandle> children() {
        return start.toHandle().children().toList();
    }

    boolean alive() { return start.isAlive(); }

    int waitExit(int seconds) throws InterruptedException {
        if (!start.waitFor(seconds, TimeUnit.SECONDS)) throw new AssertionError("qmail-send still running; log:\n" + logText());
        return start.exitValue();
    }

    /** Kills qmail-send and its helpers if still there (a failed test must not leave them). */
    void destroy() {
        if (start == null) return;
        List<ProcessHandle> kids = start.toHandle().descendants().toList();
        start.destroyForcibly();
        kids.forEach(ProcessHandle::destroyForcibly);
    }

    void kill9() {
        start.destroyForcibly();
    }

    void signal(int sig) throws Exception {
        org.qmailj.common.sys.Proc.kill(start.pid(), sig);
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    List<String> logLines() {
        return List.of(logText().split("\n"));
    }

    List<String> delivered() throws IOException {
        return Files.exists(deliveries) ? Files.readAllLines(deliveries, StandardCharsets.ISO_8859_1) : List.of();
    }

    Set<String> deliveredIds() throws IOException {
        Set<String> s = new HashSet<>();
        for (String l : delivered()) {
            String[] f = l.split(" ");
            if (f.length >= 2) s.add(f[1]);
        }
        return s;
    }

    void await(String what, java.util.function.BooleanSupplier cond, int seconds) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what + "; log:\n" + logText());
            Thread.sleep(25);
        }
    }

    /** Waits until every descendant of a previous run has gone. */
    static void awaitGone(List<ProcessHandle> procs, int seconds) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        for (ProcessHandle p : procs) {
            while (p.isAlive()) {
                if (System.nanoTime() > end) throw new AssertionError("process " + p.pid() + " " + p.info().commandLine().orElse("") + " still alive");
                Thread.sleep(25);
            }
        }
    }
}
