package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unexpected exception on qmail-send's scheduler thread ({@link FaultyQmailSend}) ends the
 * process with 111 and one line in the log, its helpers go away with it, and under our
 * supervise qmail-start is started again and delivers everything queued meanwhile.
 */
class SchedulerFaultTest {
    private static final String FATAL = "qmail-send: fatal: unexpected java.lang.IllegalStateException: injected scheduler fault"
            + " in thread main; exiting 111";

    @TempDir Path home;
    @org.junit.jupiter.api.extension.RegisterExtension
    final ProcessHarness.Tracker harnesses = new ProcessHarness.Tracker();
    private final List<Process> others = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        for (Process p : others) {
            List<ProcessHandle> kids = p.toHandle().descendants().toList();
            p.destroyForcibly();
            kids.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void schedulerExceptionExitsWith111AndSuperviseRestartsIt() throws Exception {
        TestQueue tq = new TestQueue(home.resolve("qmail"), "domain");
        Path marker = home.resolve("fault");
        ProcessHarness h = new ProcessHarness(tq).faultySend(marker);
        harnesses.track(h);
        h.start();
        h.await("status line", () -> h.logLines().contains("status: local 0/10 remote 0/20"), 60);
        h.await("three helpers", () -> h.children().size() == 3, 30);
        List<ProcessHandle> helpers = h.children();

        Files.writeString(marker, "");
        assertThat(h.waitExit(60)).as("exit code").isEqualTo(111);
        assertThat(h.logLines()).contains(FATAL);
        // qmail-lspawn, qmail-rspawn and qmail-clean see the end of their input and exit: nothing
        // keeps lock/sendmutex or the queue busy.
        ProcessHarness.awaitGone(helpers, 30);

        // Mail queued while qmail-send is down, and a fault again at the first supervised start.
        long a = tq.inject("fault-a@x", "me@domain", "me");
        long b = tq.inject("fault-b@x", "me@domain", "you@remote.example");
        long c = tq.inject("fault-c@x", "me@domain", "me", "other@remote.example");
        Files.writeString(marker, "");

        Path service = home.resolve("service");
        Files.createDirectories(service);
        Path log = home.resolve("supervised.log");
        StringBuilder run = new StringBuilder("#!/bin/sh\necho $$ >> pids\nQMAIL_HOME=" + tq.home + " exec");
        for (String w : h.startCommand()) run.append(" '").append(w).append('\'');
        Files.writeString(service.resolve("run"), run.append('\n').toString());
        Files.setPosixFilePermissions(service.resolve("run"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Process supervise = java("org.qmailj.supervise.Supervise", service.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        others.add(supervise);

        h.await("restarted after the fault", () -> lines(service.resolve("pids")).size() >= 2, 60);
        h.await("all delivered", () -> {
            String text = read(log);
            return text.contains("end msg " + a + "\n") && text.contains("end msg " + b + "\n") && text.contains("end msg " + c + "\n");
        }, 90);
        assertThat(read(log)).contains(FATAL + "\n");
        assertThat(marker).doesNotExist();
        assertThat(h.delivered()).contains("me@domain <fault-a@x> me@domain", "you@remote.example <fault-b@x> me@domain",
                "me@domain <fault-c@x> me@domain", "other@remote.example <fault-c@x> me@domain");

        List<ProcessHandle> running = supervise.toHandle().descendants().toList();
        Process svc = java("org.qmailj.supervise.Svc", "-dx", service.toString()).inheritIO().start();
        assertThat(svc.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(supervise.waitFor(60, TimeUnit.SECONDS)).as("supervise exits after svc -dx").isTrue();
        ProcessHarness.awaitGone(running, 30);
        assertThat(read(log)).endsWith("status: exiting\n");
        assertThat(tq.leftovers()).isEmpty();
    }

    private static ProcessBuilder java(String main, String... args) {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), main));
        c.addAll(List.of(args));
        return new ProcessBuilder(c);
    }

    private static List<String> lines(Path p) {
        String t = read(p);
        return t.isEmpty() ? List.of() : List.of(t.split("\n"));
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
