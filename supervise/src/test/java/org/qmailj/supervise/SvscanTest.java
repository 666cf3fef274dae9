package org.qmailj.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.supervise.Service.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.ProcessTrees;

/**
 * svscan with a service/log pair, a plain service, a dot directory, a service added later,
 * and supervise processes that exit: our supervise (through a PATH wrapper, as the launcher
 * would be found) and Debian's.
 */
class SvscanTest {
    @TempDir
    Path tmp;

    private static void script(Path file, String body) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static int svok(Path dir) throws IOException {
        return Cmd.run(List.of("/usr/bin/svok", dir.toString())).exit();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void withOurSupervise() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        StringBuilder cmd = new StringBuilder("exec");
        for (String a : Tools.java("org.qmailj.supervise.Supervise")) {
            cmd.append(" '").append(a).append("'");
        }
        script(bin.resolve("supervise"), cmd + " \"$@\"\n");
        scan("org.qmailj.supervise.Svscan", bin + ":/bin:/usr/bin");
    }

    @Test
    void withDebianSupervise() throws Exception {
        scan("org.qmailj.supervise.Svscan", "/usr/bin:/bin");
    }

    /** svscan-inprocess: no supervise in PATH at all; Debian's svc/svok drive it. */
    @Test
    void inProcess() throws Exception {
        scan("org.qmailj.supervise.SvscanInProcess", "/bin");
    }

    /**
     * TERM to svscan-inprocess (systemd stopping qmail.service, qmail-install --uninstall)
     * takes its services down with it: the run gets TERM, the log reads the service's last
     * line and then EOF, a service marked down stays down, and svscan exits 0 with no process
     * of the tree left, so a restarted scan cannot start a second copy beside a survivor.
     */
    @Test
    void inProcessTermTakesServicesDown() throws Exception {
        Path service = Files.createDirectories(tmp.resolve("service"));
        script(service.resolve("a/run"), "echo $$ >> pids\ntrap 'echo last; echo term >> got; exit 0' TERM\n"
                + "while :; do echo tick; sleep 0.1; done\n");
        script(service.resolve("a/log/run"), "echo $$ >> pids\ncat >> captured\necho eof >> captured\n");
        script(service.resolve("b/run"), "echo $$ >> pids\nexec sleep 1000\n");
        Files.createFile(service.resolve("b/down"));
        ProcessBuilder pb = new ProcessBuilder(Tools.java("org.qmailj.supervise.SvscanInProcess", service.toString()))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("svscan.out").toFile());
        pb.environment().put("PATH", "/bin:/usr/bin");
        Process svscan = pb.start();
        Path a = service.resolve("a");
        try {
            await("a and a/log up, b supervised", () -> quiet(() -> svok(a) == 0 && svok(a.resolve("log")) == 0
                    && svok(service.resolve("b")) == 0));
            await("a's output reaches its log", () -> read(a.resolve("log/captured")).contains("tick\n"));
            List<ProcessHandle> tree = new ArrayList<>(ProcessTrees.snapshot(svscan.toHandle()));
            svscan.toHandle().destroy();
            assertThat(svscan.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("svscan-inprocess exits").isTrue();
            assertThat(svscan.exitValue()).isZero();
            assertThat(read(a.resolve("got"))).isEqualTo("term\n");
            assertThat(read(a.resolve("log/captured"))).matches("(tick\n)+last\neof\n");
            assertThat(service.resolve("b/pids")).doesNotExist();
            for (String d : List.of("a", "a/log", "b")) {
                assertThat(svok(service.resolve(d))).as(d + " unsupervised").isNotZero();
            }
            ProcessTrees.awaitGone(tree, 10);
        } finally {
            if (svscan.isAlive()) stopAll(svscan, service);
        }
        assertThat(read(tmp.resolve("svscan.out"))).isEmpty();
    }

    /**
     * A service with a {@code stoplast} file (a logger the others feed through a fifo) gets
     * its TERM only after every other service and its log have ended; without the file the
     * same logger is stopped at once, beside them.
     */
    @Test
    void inProcessTermStopsAStoplastServiceAfterTheOthers() throws Exception {
        for (boolean marked : new boolean[] {true, false}) {
            Path service = Files.createDirectories(tmp.resolve(marked ? "marked" : "unmarked"));
            // a takes a second to stop, as a qmail-send finishing its deliveries does
            script(service.resolve("a/run"), "trap 'sleep 1; echo last; exit 0' TERM\nwhile :; do echo tick; sleep 0.1; done\n");
            script(service.resolve("a/log/run"), "cat >> captured\necho eof >> captured\n");
            script(service.resolve("z/run"), "trap 'if grep -q eof ../a/log/captured; then echo after; else echo before; fi > order; exit 0' TERM\n"
                    + "while :; do sleep 0.1; done\n");
            if (marked) Files.createFile(service.resolve("z/stoplast"));
            ProcessBuilder pb = new ProcessBuilder(Tools.java("org.qmailj.supervise.SvscanInProcess", service.toString()))
                    .redirectErrorStream(true).redirectOutput(service.resolve("svscan.out").toFile());
            pb.environment().put("PATH", "/bin:/usr/bin");
            Process svscan = pb.start();
            try {
                await("a, a/log and z up", () -> quiet(() -> svok(service.resolve("a")) == 0
                        && svok(service.resolve("a/log")) == 0 && svok(service.resolve("z")) == 0));
                await("a's output reaches its log", () -> read(service.resolve("a/log/captured")).contains("tick\n"));
                svscan.toHandle().destroy();
                assertThat(svscan.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("svscan-inprocess exits").isTrue();
                assertThat(svscan.exitValue()).isZero();
                assertThat(read(service.resolve("a/log/captured"))).endsWith("last\neof\n");
                assertThat(read(service.resolve("z/order"))).isEqualTo(marked ? "after\n" : "before\n");
            } finally {
                if (svscan.isAlive()) stopAll(svscan, service);
            }
            assertThat(read(service.resolve("svscan.out"))).isEmpty();
        }
    }

    private void scan(String main, String path) throws Exception {
        Path service = Files.createDirectories(tmp.resolve("service"));
        script(service.resolve("a/run"), "echo $$ >> pids\nwhile :; do echo tick; sleep 0.1; done\n");
        script(service.resolve("a/log/run"), "exec cat >> captured\n");
        script(service.resolve("b/run"), "echo $$ >> pids\nexec sleep 1000\n");
        script(service.resolve(".hidden/run"), "echo $$ >> pids\nexec sleep 1000\n");
        ProcessBuilder pb = new ProcessBuilder(Tools.java(main, service.toString()))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("svscan.out").toFile());
        pb.environment().put("PATH", path);
        Process svscan = pb.start();
        try {
            Path a = service.resolve("a");
            Path b = service.resolve("b");
            await("a, a/log and b supervised", () -> quiet(() -> svok(a) == 0 && svok(a.resolve("log")) == 0
                    && svok(b) == 0));
            await("a's output reaches its log", () -> read(a.resolve("log/captured")).contains("tick\n"));
            assertThat(service.resolve(".hidden/supervise")).doesNotExist();

            // A new service is picked up on a later scan.
            script(service.resolve("c/run"), "echo $$ >> pids\nexec sleep 1000\n");
            await("c supervised", () -> quiet(() -> svok(service.resolve("c")) == 0));

            // A supervise that exits is restarted.
            Cmd.run(List.of("/usr/bin/svc", "-dx", b.toString()));
            await("b's supervise gone", () -> quiet(() -> svok(b) != 0));
            await("b's supervise back", () -> quiet(() -> svok(b) == 0));
            await("b's run restarted", () -> read(b.resolve("pids")).lines().count() == 2);

            // The log's supervise restarts on the same pipe: output keeps flowing.
            Cmd.run(List.of("/usr/bin/svc", "-dx", a.resolve("log").toString()));
            await("log supervise gone", () -> quiet(() -> svok(a.resolve("log")) != 0));
            await("log supervise back", () -> quiet(() -> svok(a.resolve("log")) == 0));
            long before = read(a.resolve("log/captured")).lines().count();
            await("more ticks", () -> read(a.resolve("log/captured")).lines().count() > before + 5);
            assertThat(read(a.resolve("pids")).lines().count()).isEqualTo(1);
            assertThat(read(a.resolve("log/captured"))).matches("(tick\n)+");
        } finally {
            stopAll(svscan, service);
        }
        assertThat(read(tmp.resolve("svscan.out"))).isEmpty();
    }

    /**
     * Down first, while supervision (maybe inside svscan) still runs, and wait for each run to
     * be down; then svscan goes, every supervise is told to exit, and the test waits until
     * every process of the tree is gone, so that no supervise writes its status while JUnit
     * deletes the directory.
     */
    private static void stopAll(Process svscan, Path service) throws IOException {
        List<String> dirs = List.of("a", "a/log", "b", "c");
        for (String d : dirs) {
            Cmd.run(List.of("/usr/bin/svc", "-d", service.resolve(d).toString()));
        }
        Service.awaitQuietly(() -> dirs.stream().map(service::resolve).allMatch(SvscanTest::downOrUnsupervised));
        List<ProcessHandle> tree = new ArrayList<>(ProcessTrees.snapshot(svscan.toHandle()));
        svscan.destroyForcibly();
        for (String d : dirs) {
            Cmd.run(List.of("/usr/bin/svc", "-dx", service.resolve(d).toString()));
        }
        for (String d : List.of("a", "b", "c")) {
            List<Long> pids = new ArrayList<>();
            for (String pid : read(service.resolve(d).resolve("pids")).lines().toList()) pids.add(Long.parseLong(pid.trim()));
            tree.addAll(ProcessTrees.of(pids));
        }
        ProcessTrees.awaitGone(tree, 10);
    }

    /** The service's run is down, or nothing supervises it (so nothing will start it). */
    private static boolean downOrUnsupervised(Path dir) {
        return quiet(() -> svok(dir) != 0 || Status.decode(Files.readAllBytes(dir.resolve("supervise/status"))).pid() == 0);
    }

    private static boolean quiet(Service.IoCheck c) {
        return Service.quiet(c);
    }
}
