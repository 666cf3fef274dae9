package org.qmailj.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.qmailj.testing.Cmd;

/**
 * The README's first command, scripts/sandbox, with the real suite: mail in through
 * qmail-inject and SMTP lands in the sandbox mailbox alice's Maildir; then 300 messages with kill -9 of
 * qmail-send, qmail-lspawn and qmail-queued (which serves qmail-clean) in the middle of their delivery, a restart, and
 * every message delivered at least once with the queue's state files gone.
 */
class SandboxIT {
    static final Path REPO = Path.of(System.getProperty("qmail.repo"));

    static Cmd.Result sandbox(String cmd, Path dir, int port) throws IOException {
        return Cmd.run(List.of(REPO.resolve("scripts/sandbox").toString(), cmd, dir.toString()),
                Map.of("SANDBOX_SMTP_PORT", Integer.toString(port)), REPO, new byte[0], 300);
    }

    static Set<String> messageIds(Path maildirNew) throws IOException {
        Set<String> ids = new HashSet<>();
        Pattern p = Pattern.compile("(?m)^Message-ID: <([^>]+)>");
        try (Stream<Path> s = Files.list(maildirNew)) {
            for (Path m : s.toList()) {
                Matcher x = p.matcher(Files.readString(m, StandardCharsets.ISO_8859_1));
                if (x.find()) ids.add(x.group(1));
            }
        }
        return ids;
    }

    static void await(String what, java.util.function.BooleanSupplier cond, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(100);
        }
    }

    /** kill -9 every process of this sandbox running {@code mainClass}. */
    static int kill9(Path dir, String mainClass) throws IOException {
        return signal(dir, mainClass, "KILL");
    }

    /** Sends {@code sig} to every process of this sandbox running {@code mainClass}. */
    static int signal(Path dir, String mainClass, String sig) throws IOException {
        int n = 0;
        try (Stream<Path> ps = Files.list(Path.of("/proc"))) {
            for (Path p : ps.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.ISO_8859_1);
                    if (cmd.contains("-Dqmail.home=" + dir) && cmd.contains(mainClass)) {
                        Cmd.Result r = Cmd.run(List.of("kill", "-" + sig, p.getFileName().toString()));
                        if (r.exit() == 0) n++;
                    }
                } catch (IOException e) {
                    // gone already
                }
            }
        }
        return n;
    }

    static long count(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    void startInjectCrashRestartStop() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "qmail-sandbox-");
        Files.setAttribute(dir, "unix:mode", 0755);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path maildirNew = dir.resolve("home/alice/Maildir/new");
        try {
            Cmd.Result start = sandbox("start", dir, port);
            assertThat(start.exit()).as(start.toString()).isZero();
            assertThat(start.out()).contains("SMTP on 127.0.0.1:" + port);

            Cmd.Result inject = Cmd.run(List.of(dir.resolve("bin/qmail-inject").toString()), Map.of(), null,
                    "To: alice\nSubject: first\nMessage-ID: <first@sandbox>\n\nhello\n".getBytes(StandardCharsets.US_ASCII), 60);
            assertThat(inject.exit()).as(inject.toString()).isZero();
            await("the injected message in the Maildir", () -> {
                try {
                    return messageIds(maildirNew).contains("first@sandbox");
                } catch (IOException e) {
                    return false;
                }
            }, 60);

            // A thread dump of a spawner, as an administrator asks for one (kill -QUIT), goes to
            // the log: on their stdout, the report pipe, it left qmail-send waiting for ever for
            // the next delivery's report ("delivery report out of range").
            for (String daemon : List.of("org.qmailj.send.QmailSend", "org.qmailj.lspawn.QmailLspawn", "org.qmailj.rspawn.QmailRspawn")) {
                assertThat(signal(dir, daemon, "QUIT")).as(daemon).isEqualTo(1);
            }
            Path sendLog = dir.resolve("log/qmail-send");
            await("three thread dumps in qmail-send's log", () -> logText(sendLog).split("Full thread dump", -1).length - 1 == 3, 60);
            int mark = logText(sendLog).length();
            Cmd.Result second = Cmd.run(List.of(dir.resolve("bin/qmail-inject").toString(), "-fbob@sandbox.localdomain", "alice", "nobody@invalid.example"),
                    Map.of(), null, "Subject: second\nMessage-ID: <second@sandbox>\n\nhello\n".getBytes(StandardCharsets.US_ASCII), 60);
            assertThat(second.exit()).as(second.toString()).isZero();
            // 180 s: a machine whose resolver does not answer defers the remote one only after its DNS timeouts.
            await("a report for the local and the remote delivery", () -> everyDeliveryReported(logText(sendLog).substring(mark)), 180);
            assertThat(messageIds(maildirNew)).contains("second@sandbox");
            assertThat(logText(sendLog)).doesNotContain("internal error");

            // 300 messages over one SMTP session, then kill -9 the delivery side while it works.
            String py = """
                    import smtplib, sys
                    s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=60)
                    for i in range(300):
                        s.sendmail('bench@example.com', ['alice@sandbox.localdomain'],
                                   'Subject: %d\\r\\nMessage-ID: <crash-%d@sandbox>\\r\\n\\r\\nbody %d\\r\\n' % (i, i, i))
                    s.quit()
                    """;
            Cmd.Result smtp = Cmd.run(List.of("python3", "-c", py, Integer.toString(port)), Map.of(), null, new byte[0], 120);
            assertThat(smtp.exit()).as(smtp.toString()).isZero();
            await("some deliveries", () -> count(maildirNew) > 20, 60);
            assertThat(kill9(dir, "org.qmailj.send.QmailSend")).isEqualTo(1);
            kill9(dir, "org.qmailj.lspawn.QmailLspawn");
            // qmail-clean runs in qmail-queued: its kill is "lost qmail-clean connection" too.
            assertThat(kill9(dir, "org.qmailj.clean.QmailClean")).isZero();
            assertThat(kill9(dir, "org.qmailj.queue.QmailQueued")).isEqualTo(1);
            await("qmail-send to be gone", () -> !sandbox0(dir, port).contains("qmail-send runs"), 30);

            Cmd.Result again = sandbox("start", dir, port);
            assertThat(again.exit()).as(again.toString()).isZero();
            await("all 300 delivered at least once", () -> {
                try {
                    Set<String> ids = messageIds(maildirNew);
                    for (int i = 0; i < 300; i++) if (!ids.contains("crash-" + i + "@sandbox")) return false;
                    return true;
                } catch (IOException e) {
                    return false;
                }
            }, 180);
            Path q = dir.resolve("queue");
            await("the queue to empty", () -> count(q.resolve("todo")) == 0
                    && Stream.of("info", "local", "remote").allMatch(d -> {
                        for (int i = 0; i < 23; i++) if (count(q.resolve(d + "/" + i)) != 0) return false;
                        return true;
                    }), 120);
        } finally {
            Cmd.Result stop = sandbox("stop", dir, port);
            assertThat(stop.exit()).as(stop.toString()).isZero();
            // remove also deletes the account a root-started sandbox runs as.
            Cmd.Result remove = sandbox("remove", dir, port);
            assertThat(remove.exit()).as(remove.toString()).isZero();
            assertThat(dir).doesNotExist();
        }
    }

    /**
     * Whether {@code log} (qmail-send's lines) starts a local and a remote delivery and reports
     * every delivery it starts (success, failure or deferral).
     */
    static boolean everyDeliveryReported(String log) {
        Matcher started = Pattern.compile("starting delivery (\\d+): msg \\d+ to (local|remote) ").matcher(log);
        Set<String> channels = new HashSet<>();
        while (started.find()) {
            channels.add(started.group(2));
            if (!Pattern.compile("delivery " + started.group(1) + ": (success|failure|deferral): ").matcher(log).find()) return false;
        }
        return channels.size() == 2;
    }

    /** Every file of a multilog directory (current and the rotated ones), one string. */
    static String logText(Path logDir) {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> s = Files.list(logDir)) {
            for (Path f : s.filter(x -> x.getFileName().toString().startsWith("@") || x.getFileName().toString().equals("current")).sorted().toList()) {
                b.append(Files.readString(f, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            return "";
        }
        return b.toString();
    }

    private static String sandbox0(Path dir, int port) {
        try {
            return sandbox("status", dir, port).out();
        } catch (IOException e) {
            return "";
        }
    }
}
