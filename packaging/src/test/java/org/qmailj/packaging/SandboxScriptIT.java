package org.qmailj.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * scripts/sandbox's own promises, as the README states them: DIR relative to the caller,
 * refusals that create nothing, a failed start that stops what it started, the named
 * mailboxes (alice, a bounce for an unknown user, a .qmail-ext file, postmaster), the logs
 * (one bin/multilogs JVM for the three daemons, replaced by the next start if it dies), and
 * remove (with the account a root-started sandbox runs as).
 */
class SandboxScriptIT {
    static final Path REPO = SandboxIT.REPO;

    static Cmd.Result sandbox(String cmd, String dir, Path cwd, int port) throws IOException {
        return Cmd.run(List.of(REPO.resolve("scripts/sandbox").toString(), cmd, dir),
                Map.of("SANDBOX_SMTP_PORT", Integer.toString(port)), cwd, new byte[0], 300);
    }

    static Cmd.Result inject(Path dir, String message, String... args) throws IOException {
        List<String> cmd = Stream.concat(Stream.of(dir.resolve("bin/qmail-inject").toString()), Stream.of(args)).toList();
        return Cmd.run(cmd, Map.of(), null, message.getBytes(StandardCharsets.US_ASCII), 60);
    }

    /** The first message in maildir/new containing {@code text}, waited for. */
    static String awaitMessage(Path maildirNew, String text) throws Exception {
        String[] found = new String[1];
        SandboxIT.await(text + " in " + maildirNew, () -> {
            try (Stream<Path> s = Files.list(maildirNew)) {
                for (Path m : s.toList()) {
                    String body = Files.readString(m, StandardCharsets.ISO_8859_1);
                    if (body.contains(text)) {
                        found[0] = body;
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        }, 60);
        return found[0];
    }

    /** Processes whose command line names this QMAIL_HOME (the sandbox's JVMs). */
    static long processesOf(Path dir) throws IOException {
        return processesOf(dir, "");
    }

    /** Those of them whose command line also contains {@code text}. */
    static long processesOf(Path dir, String text) throws IOException {
        try (Stream<Path> ps = Files.list(Path.of("/proc"))) {
            return ps.filter(p -> p.getFileName().toString().matches("\\d+")).filter(p -> {
                try {
                    String c = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.ISO_8859_1);
                    return c.contains("-Dqmail.home=" + dir + "\0") && c.contains(text);
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    /** Logger JVMs: multilog's main class is a prefix of multilogs'. */
    static final String LOGGER = "org.qmailj.splogger.Multilog";

    static String sandboxOut(String cmd, String dir, Path cwd, int port) {
        try {
            return sandbox(cmd, dir, cwd, port).out();
        } catch (IOException e) {
            return "";
        }
    }

    static boolean isRoot() throws IOException {
        return Cmd.run(List.of("id", "-u")).out().trim().equals("0");
    }

    @Test
    void aDirectoryThatIsNotASandboxIsRefusedAndNothingIsCreated(@TempDir Path cwd) throws IOException {
        for (String cmd : List.of("status", "stop", "remove")) {
            Cmd.Result r = sandbox(cmd, "./typo", cwd, 2525);
            assertThat(r.exit()).as(r.toString()).isEqualTo(100);
            assertThat(r.err()).contains(cwd.toRealPath() + "/typo is not a sandbox");
        }
        assertThat(cwd.resolve("typo")).doesNotExist();
        assertThat(REPO.resolve("typo")).doesNotExist();
        // An existing directory that the script did not make is not a sandbox either.
        Cmd.Result r = sandbox("status", cwd.toString(), cwd, 2525);
        assertThat(r.exit()).isEqualTo(100);
        assertThat(cwd).isEmptyDirectory();
    }

    @Test
    void failedStartsStopWhatTheyStartedThenTheMailboxesWork() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "qmail-sandbox-").toRealPath();
        Files.setAttribute(dir, "unix:mode", 0755);
        Path cwd = dir.getParent();
        String rel = dir.getFileName().toString();
        Optional<String> account = Optional.empty();
        try {
            // A port someone listens on: refused before anything is installed or started.
            try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
                Cmd.Result r = sandbox("start", rel, cwd, taken.getLocalPort());
                assertThat(r.exit()).as(r.toString()).isEqualTo(111);
                assertThat(r.err()).contains("127.0.0.1:" + taken.getLocalPort() + " is taken");
                assertThat(dir).isEmptyDirectory();
            }
            // A port bound but not listening passes that check and makes tcpserver's bind fail:
            // the queue writer and qmail-send, already started, are stopped again.
            try (Socket bound = new Socket()) {
                bound.bind(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
                Cmd.Result r = sandbox("start", rel, cwd, bound.getLocalPort());
                assertThat(r.exit()).as(r.toString()).isEqualTo(111);
                assertThat(r.err()).contains("smtpd did not start (exited)").contains("unable to bind")
                        .contains("stopping what this start started: smtpd qmail-send qmail-queued");
                assertThat(processesOf(dir)).isZero();
                Cmd.Result status = sandbox("status", rel, cwd, bound.getLocalPort());
                assertThat(status.exit()).isEqualTo(1);
                assertThat(status.out()).contains("qmail-queued is not running").contains("qmail-send is not running");
            }
            if (isRoot()) {
                account = Files.readAllLines(dir.resolve(".sandbox")).stream()
                        .filter(l -> l.startsWith("account=")).map(l -> l.substring(8)).findFirst();
                assertThat(account).hasValueSatisfying(a -> assertThat(a).matches("qsbx-[0-9a-f]{8}"));
            }

            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Cmd.Result start = sandbox("start", rel, cwd, port);
            assertThat(start.exit()).as(start.toString()).isZero();

            assertThat(inject(dir, "To: alice\nSubject: for alice\n\nhi\n").exit()).isZero();
            awaitMessage(dir.resolve("home/alice/Maildir/new"), "Subject: for alice");

            assertThat(inject(dir, "To: nobody\nSubject: lost one\n\nx\n", "-fbob@sandbox.localdomain").exit()).isZero();
            String bounce = awaitMessage(dir.resolve("home/bob/Maildir/new"), "Subject: lost one");
            assertThat(bounce).contains("Sorry, no mailbox here by that name. (#5.1.1)").contains("<nobody@sandbox.localdomain>");

            Files.writeString(dir.resolve("home/alice/.qmail-lists"), "&bob\n");
            assertThat(inject(dir, "To: alice-lists\nSubject: via the list\n\nx\n").exit()).isZero();
            awaitMessage(dir.resolve("home/bob/Maildir/new"), "Subject: via the list");

            assertThat(inject(dir, "To: postmaster\nSubject: for the postmaster\n\nx\n").exit()).isZero();
            awaitMessage(dir.resolve("alias/Maildir/new"), "Subject: for the postmaster");

            // multilog t: every line starts with a TAI64N label; tai64nlocal makes it a date.
            List<String> log = Files.readAllLines(dir.resolve("log/qmail-send/current"));
            assertThat(log).isNotEmpty().allMatch(l -> l.matches("@4[0-9a-f]{23} .*"));
            Cmd.Result status = sandbox("status", rel, cwd, port);
            assertThat(status.exit()).as(status.toString()).isZero();
            assertThat(status.out()).contains("smtpd runs as pid").contains("the logger (bin/multilogs) runs as pid")
                    .containsPattern("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+ ");
            // One logger JVM for the three daemons.
            assertThat(processesOf(dir, LOGGER)).isEqualTo(1);
            assertThat(Files.readAllLines(dir.resolve("log/smtpd/current"))).anyMatch(l -> l.matches("@4[0-9a-f]{23} tcpserver: status: .*"));

            // The logger killed: the daemons carry on, status says so, and the next start starts
            // a new logger on the same fifos, which the running daemons write to again.
            assertThat(SandboxIT.kill9(dir, LOGGER)).isEqualTo(1);
            SandboxIT.await("the logger to be gone", () -> sandboxOut("status", rel, cwd, port).contains("the logger (bin/multilogs) is not running"), 30);
            assertThat(sandbox("status", rel, cwd, port).exit()).isEqualTo(1);
            assertThat(inject(dir, "To: alice\nSubject: while no logger\n\nx\n").exit()).isZero();
            awaitMessage(dir.resolve("home/alice/Maildir/new"), "Subject: while no logger");
            Cmd.Result again = sandbox("start", rel, cwd, port);
            assertThat(again.exit()).as(again.toString()).isZero();
            assertThat(processesOf(dir, LOGGER)).isEqualTo(1);
            assertThat(inject(dir, "To: bob\nSubject: logged again\n\nx\n").exit()).isZero();
            awaitMessage(dir.resolve("home/bob/Maildir/new"), "Subject: logged again");
            SandboxIT.await("qmail-send's lines in the new logger's current", () -> {
                try {
                    return Files.readString(dir.resolve("log/qmail-send/current")).contains("to local bob@sandbox.localdomain");
                } catch (IOException e) {
                    return false;
                }
            }, 30);

            // stop: the daemons, then the logger, which completes every current (mode 744).
            Cmd.Result stop = sandbox("stop", rel, cwd, port);
            assertThat(stop.exit()).as(stop.toString()).isZero();
            assertThat(processesOf(dir)).isZero();
            assertThat(Files.readAllLines(dir.resolve("log/qmail-send/current"))).last().asString().endsWith(" status: exiting");
            for (String d : List.of("qmail-queued", "qmail-send", "smtpd")) {
                assertThat(Files.getAttribute(dir.resolve("log/" + d + "/current"), "unix:mode")).as(d)
                        .isEqualTo(0100744);
            }
        } finally {
            Cmd.Result remove = sandbox("remove", rel, cwd, 0);
            assertThat(remove.exit()).as(remove.toString()).isZero();
        }
        assertThat(dir).doesNotExist();
        if (account.isPresent()) assertThat(Cmd.run(List.of("id", "-u", account.get())).exit()).isNotZero();
    }
}
