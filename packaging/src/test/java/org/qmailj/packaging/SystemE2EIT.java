package org.qmailj.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.DefaultSignals;
import org.qmailj.testing.RootOnly;
import org.qmailj.testing.SystemTest;

/**
 * Issue 9's end-to-end run, as root on this machine: install as the system MTA, start the
 * services under our svscan, check each daemon's uid, send through SMTP, /usr/sbin/sendmail
 * and QMQP to a real user, read the Maildir back with Dovecot's IMAP server, route a remote
 * domain through smtproutes to Postfix's smtp-sink, stop with svc -d, uninstall, and check
 * nothing is left. Changes the machine (QMAIL_TEST_SYSTEM=1 only): the real /usr/sbin/sendmail,
 * systemd unit, /var/log/qmail, man pages, the qmail users and a test user for a while.
 */
@RootOnly
@SystemTest
class SystemE2EIT {
    /** The test's own mail user: a fresh name, never an account that exists already. */
    static final String USER = "qje2e" + ProcessHandle.current().pid() % 100000;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Cmd.Result sh(String script, Map<String, String> env) throws IOException {
        return Cmd.run(List.of("/bin/sh", "-c", script), env, null, new byte[0], 120);
    }

    static Cmd.Result ok(String script) throws IOException {
        Cmd.Result r = sh(script, Map.of());
        assertThat(r.exit()).as(script + "\n" + r).isZero();
        return r;
    }

    static void await(String what, java.util.function.BooleanSupplier cond, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(100);
        }
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private List<String> leftover = List.of();
    private String sendLogAtEnd = "";

    /** SIGKILL to every process whose command line mentions {@code dir}. */
    static void killAll(Path dir) {
        ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * user and command line of every process whose command line mentions {@code dir} or whose
     * working directory is below it (the log services' cat, in its service's log directory).
     */
    static List<String> processes(Path dir) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> ps = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) ps::iterator) {
                if (!p.getFileName().toString().matches("\\d+")) continue;
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.ISO_8859_1).replace('\0', ' ');
                    if (!cmd.contains(dir.toString()) && !cwdBelow(p, dir)) continue;
                    int uid = (Integer) Files.getAttribute(p, "unix:uid");
                    String user = Cmd.run(List.of("id", "-nu", Integer.toString(uid))).out().strip();
                    out.add(user + " " + cmd);
                } catch (IOException e) {
                    // the process ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    private static boolean cwdBelow(Path proc, Path dir) {
        try {
            return Files.readSymbolicLink(proc.resolve("cwd")).toString().startsWith(dir + "/");
        } catch (IOException e) {
            return false;
        }
    }

    static String userOf(List<String> ps, String mainClass) {
        return ps.stream().filter(l -> l.contains(" " + mainClass + " ") || l.endsWith(" " + mainClass + " ") || l.contains(" " + mainClass))
                .map(l -> l.substring(0, l.indexOf(' '))).findFirst().orElse("(not running)");
    }

    /** The multilogs JVM of this install. */
    static Optional<ProcessHandle> logger(Path home) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(c -> c.contains("org.qmailj.splogger.Multilogs") && c.contains(home.toString())).orElse(false)).findFirst();
    }

    /** A log directory's current file, or "" while there is none. */
    static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("current"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void installRunSendReadStopUninstall() throws Exception {
        TreeIT.findTree();
        LiveSystem.refuseOverLiveInstall();
        assertThat(Cmd.run(List.of("getent", "passwd", USER)).exit()).as("user " + USER + " exists already").isNotZero();
        Map<String, String> machineBefore = LiveSystem.state();
        Path work = Files.createTempDirectory(Path.of("/var/tmp"), "qmail-e2e-");
        Files.setAttribute(work, "unix:mode", 0755);
        Path home = work.resolve("qmail");
        Path userHome = work.resolve("home-" + USER);
        String sendmailBefore = Files.isSymbolicLink(Path.of("/usr/sbin/sendmail"))
                ? "link " + Files.readSymbolicLink(Path.of("/usr/sbin/sendmail")) : "file " + Files.exists(Path.of("/usr/sbin/sendmail"));
        int smtp = freePort(), qmqp = freePort(), sink = freePort();
        List<String> usersBefore = new ArrayList<>();
        for (String u : List.of("alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails")) {
            if (Cmd.run(List.of("getent", "passwd", u)).exit() == 0) usersBefore.add(u);
        }
        Process svscan = null, sinkProc = null, qmqpd = null;
        ok("useradd -m -d " + userHome + " -s /bin/sh " + USER
                + " && mkdir -p " + userHome + "/Maildir/new " + userHome + "/Maildir/cur " + userHome + "/Maildir/tmp"
                + " && chown -R " + USER + ": " + userHome + " && chmod 700 " + userHome + "/Maildir");
        try {
            Cmd.Result in = Cmd.run(List.of(TreeIT.tree.resolve("bin/qmail-install").toString(), "--mta", home.toString(),
                    "--me=e2e.example", "--smtp=127.0.0.1:" + smtp), Map.of(), null, new byte[0], 300);
            assertThat(in.exit()).as(in.toString()).isZero();
            Files.writeString(home.resolve("control/smtproutes"), "remote.example:127.0.0.1:" + sink + "\n");
            Files.writeString(home.resolve("control/qmqpservers"), "127.0.0.1:" + qmqp + "\n");

            Path dump = work.resolve("sink");
            Files.createDirectories(dump);
            ok("chown nobody " + dump);
            sinkProc = DefaultSignals.builder("smtp-sink", "-u", "nobody", "-D", dump.resolve("dump").toString(),
                    "127.0.0.1:" + sink, "10").redirectErrorStream(true).redirectOutput(work.resolve("sink.log").toFile()).start();

            // What the unit runs: svscan-inprocess, all supervisors in one JVM.
            String exec = Files.readString(Path.of("/etc/systemd/system/qmail.service")).lines()
                    .filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow().substring("ExecStart=".length());
            assertThat(exec).matches("/\\S+/bin/svscan-inprocess /\\S+/service");
            ProcessBuilder scan = DefaultSignals.builder(exec.split(" "));
            scan.environment().clear();
            scan.environment().put("PATH", home.resolve("bin") + ":/usr/bin:/bin:/usr/sbin:/sbin");
            scan.redirectErrorStream(true).redirectOutput(work.resolve("svscan.log").toFile());
            svscan = scan.start();
            await("SMTP on port " + smtp, () -> listening(smtp), 90);
            await("qmail-queued's socket", () -> Files.exists(home.resolve("queue/lock/qmail-queue.sock"), LinkOption.NOFOLLOW_LINKS), 60);

            // Each daemon under its own uid (INSTALL.ids.md).
            Map<String, String> expected = Map.of("org.qmailj.send.QmailSend", "qmails", "org.qmailj.lspawn.QmailLspawn", "root",
                    "org.qmailj.rspawn.QmailRspawn", "qmailr",
                    "org.qmailj.queue.QmailQueued", "qmailq", "org.qmailj.tcpserver.Tcpserver", "qmaild",
                    "org.qmailj.splogger.Multilogs", "qmaill");
            try {
                await("every daemon under its uid", () -> {
                    List<String> now = processes(home);
                    return expected.entrySet().stream().allMatch(e -> userOf(now, e.getKey()).equals(e.getValue()));
                }, 90);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + ":\n" + String.join("\n", processes(home)));
            }
            List<String> ps = processes(home);
            for (var e : expected.entrySet()) assertThat(userOf(ps, e.getKey())).as(e.getKey()).isEqualTo(e.getValue());

            // Three ways in, one way out.
            Cmd.Result swaks = Cmd.run(List.of("swaks", "--server", "127.0.0.1:" + smtp, "--to", USER + "@e2e.example",
                    "--from", "someone@elsewhere.example", "--header", "Subject: via smtp", "--body", "one"), Map.of(), null, new byte[0], 60);
            assertThat(swaks.exit()).as(swaks.toString()).isZero();
            assertThat(swaks.out()).contains("<-  250 ok");
            ok("printf 'To: " + USER + "@e2e.example\\nSubject: via sendmail\\n\\ntwo\\n' | /usr/sbin/sendmail -t");
            qmqpd = DefaultSignals.builder(home.resolve("bin/tcpserver").toString(), "127.0.0.1", Integer.toString(qmqp),
                    home.resolve("bin/qmail-qmqpd").toString()).redirectErrorStream(true)
                    .redirectOutput(work.resolve("qmqpd.log").toFile()).start();
            await("QMQP on port " + qmqp, () -> listening(qmqp), 60);
            Cmd.Result viaQmqp = sh("printf 'Subject: via qmqp\\n\\nthree\\n' | QMAILQUEUE=" + home.resolve("bin/qmail-qmqpc")
                    + " " + home.resolve("bin/qmail-inject") + " " + USER + "@e2e.example", Map.of());
            assertThat(viaQmqp.exit()).as(viaQmqp.toString()).isZero();
            qmqpd.destroy();
            qmqpd.waitFor(30, TimeUnit.SECONDS);
            ok("printf 'To: friend@remote.example\\nSubject: via smtproutes\\n\\nfour\\n' | /usr/sbin/sendmail -t");

            Path newDir = userHome.resolve("Maildir/new");
            await("three messages in " + newDir, () -> {
                try (Stream<Path> s = Files.list(newDir)) {
                    return s.count() >= 3;
                } catch (IOException e) {
                    return false;
                }
            }, 90);
            await("the remote message at smtp-sink", () -> {
                try {
                    return Files.exists(dump.resolve("dump")) && Files.readString(dump.resolve("dump"), StandardCharsets.ISO_8859_1).contains("Subject: via smtproutes");
                } catch (IOException e) {
                    return false;
                }
            }, 90);
            for (Path m : Files.list(newDir).toList()) {
                assertThat(Files.getOwner(m).getName()).isEqualTo(USER);
                assertThat(Files.readString(m, StandardCharsets.ISO_8859_1)).startsWith("Return-Path: <").contains("Delivered-To: " + USER + "@e2e.example");
            }

            // Read them back with Dovecot's IMAP server, preauthenticated on stdin/stdout as the user.
            Cmd.Result imap = Cmd.run(List.of("setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups", "--",
                            "/usr/lib/dovecot/imap", "-o", "mail_location=maildir:~/Maildir", "-o", "mail_privileged_group="),
                    Map.of("HOME", userHome.toString(), "USER", USER, "MAIL", "maildir:~/Maildir"), userHome,
                    "a SELECT INBOX\r\nb FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\nc LOGOUT\r\n".getBytes(StandardCharsets.US_ASCII), 60);
            assertThat(imap.out()).as(imap.toString()).contains("* 3 EXISTS").contains("Subject: via smtp")
                    .contains("Subject: via sendmail").contains("Subject: via qmqp").contains("a OK").contains("b OK");

            // One logger JVM writes every service's log; a cat per service feeds it.
            ps = processes(home);
            assertThat(ps.stream().filter(l -> l.contains("org.qmailj.splogger.Multilog")).count()).as(String.join("\n", ps)).isEqualTo(1);
            assertThat(ps.stream().filter(l -> l.startsWith("qmaill /bin/cat")).count()).as(String.join("\n", ps)).isEqualTo(4);
            // One queue writer: qmail-start waited for the service's instead of starting its own.
            assertThat(ps.stream().filter(l -> l.contains("org.qmailj.queue.QmailQueued")).count()).as(String.join("\n", ps)).isEqualTo(1);
            assertThat(ps.stream().filter(l -> l.contains("while :; do")).count()).as(String.join("\n", ps)).isZero();
            // qmail-clean is that writer's clean session for qmail-start: no JVM of its own.
            assertThat(ps.stream().filter(l -> l.contains("org.qmailj.clean.QmailClean")).count()).as(String.join("\n", ps)).isZero();
            Path logs = Path.of("/var/log/qmail");
            await("qmail-queued serving qmail-clean", () -> log(logs.resolve("qmail-queued")).contains(" qmail-queued: info: serving qmail-clean for uid 0"), 60);
            await("qmail-send's log lines", () -> log(logs.resolve("qmail-send")).contains(" status: local 0/10 remote 0/20"), 60);
            assertThat(log(logs.resolve("qmail-send"))).containsPattern("(?m)^@[0-9a-f]{24} info msg \\d+: bytes \\d+ from <someone@elsewhere.example>");
            await("tcpserver's log lines", () -> log(logs.resolve("qmail-smtpd")).contains(" tcpserver: ok "), 60);
            // The submission service says nothing while all is well; its log is open all the same.
            for (String quiet : List.of("qmail-queued", "qmail-submission")) {
                assertThat(logs.resolve(quiet).resolve("current")).exists();
                assertThat(Files.getOwner(logs.resolve(quiet).resolve("current")).getName()).isEqualTo("qmaill");
            }

            // kill -9 of the logger loses nothing that has not reached it: what the daemons
            // write meanwhile waits in the fifo for the next multilogs.
            ProcessHandle logger = logger(home).orElseThrow();
            assertThat(logger.destroyForcibly()).isTrue();
            assertThat(logger.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
            ok("printf 'To: " + USER + "@e2e.example\\nSubject: logged\\n\\nfive\\n' | /usr/sbin/sendmail -f while-no-logger@e2e.example -t");
            await("a new logger", () -> logger(home).filter(p -> p.pid() != logger.pid()).isPresent(), 60);
            await("the line written while no logger ran", () -> log(logs.resolve("qmail-send")).contains("from <while-no-logger@e2e.example>"), 60);

            // svc -d stops a service. qmail-send and the queue writer are left to the
            // uninstall's stop of svscan, which takes qmail-log down last (below); a writer may
            // also be qmail-start's own, living as long as qmail-send.
            ok(home.resolve("bin/svc") + " -d " + home.resolve("service/qmail-smtpd"));
            try {
                await("tcpserver to stop", () -> processes(home).stream().noneMatch(l -> l.contains("Tcpserver")), 60);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; still running:\n" + String.join("\n", processes(home).stream()
                        .map(l -> l.substring(0, l.indexOf(' ')) + " " + l.replaceAll(".* (org\\.qmailj\\.\\S+).*", "$1")).toList()));
            }
        } finally {
            if (qmqpd != null) qmqpd.destroy();
            Cmd.Result un = Cmd.run(List.of(TreeIT.tree.resolve("bin/qmail-install").toString(), "--uninstall", home.toString()),
                    Map.of(), null, new byte[0], 300);
            if (svscan != null) {
                assertThat(svscan.waitFor(30, TimeUnit.SECONDS)).as("uninstall stops svscan").isTrue();
            }
            if (sinkProc != null) {
                sinkProc.destroy();
                sinkProc.waitFor(30, TimeUnit.SECONDS);
            }
            if (qmqpd != null) qmqpd.waitFor(30, TimeUnit.SECONDS);
            sh("userdel -r " + USER + " 2>/dev/null", Map.of());
            // A log service's multilog may still be finishing its current file: removing
            // /var/log/qmail under it would leave it retrying forever (as daemontools' does).
            // The assertion after this block says whether every process ended.
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!processes(home).isEmpty() && System.nanoTime() < end) Thread.sleep(100);
            // Whatever is left is killed, so that it cannot keep the qmail users alive for the
            // tests after this one; the assertion below still fails this test.
            leftover = processes(home);
            killAll(home);
            sendLogAtEnd = log(Path.of("/var/log/qmail/qmail-send"));
            // Uninstall keeps the logs (like dpkg -r); /var/log/qmail did not exist before this test.
            sh("rm -rf /var/log/qmail", Map.of());
            assertThat(un.exit()).as(un.toString()).isZero();
            assertThat(un.err()).contains("/var/log/qmail/qmail-send is not empty: left in place");
        }
        assertThat(leftover).as("processes of the install still running 60 s after the uninstall (then killed)").isEmpty();
        // svscan-inprocess stopped qmail-send before multilogs (supervise/qmail-log/stoplast),
        // so qmail-send's last line reached its log through the fifo.
        assertThat(sendLogAtEnd).endsWith(" status: exiting\n");
        await("every process of the install to end", () -> processes(home).isEmpty(), 60);
        assertThat(home).doesNotExist();
        String sendmailAfter = Files.isSymbolicLink(Path.of("/usr/sbin/sendmail"))
                ? "link " + Files.readSymbolicLink(Path.of("/usr/sbin/sendmail")) : "file " + Files.exists(Path.of("/usr/sbin/sendmail"));
        assertThat(sendmailAfter).isEqualTo(sendmailBefore);
        assertThat(Path.of("/etc/systemd/system/qmail.service")).doesNotExist();
        for (String u : List.of("alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails")) {
            assertThat(Cmd.run(List.of("getent", "passwd", u)).exit() == 0).as("user " + u + " as before").isEqualTo(usersBefore.contains(u));
        }
        assertThat(LiveSystem.state()).as("the machine after the uninstall").isEqualTo(machineBefore);
        ok("rm -rf " + work);
    }
}
