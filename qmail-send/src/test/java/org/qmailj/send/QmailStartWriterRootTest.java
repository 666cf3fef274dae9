package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.common.sys.Proc;
import org.qmailj.testing.RootOnly;

/**
 * qmail-start alone is a complete qmail: started as root the way qmail(7) and INSTALL say,
 * with lib/ids naming a distinct uid per role and no queue writer running, it starts
 * qmail-queued (which becomes qmailq) itself, so qmail-send (qmails, which may not write the
 * queue) can queue its bounces: a local delivery, a bounce to the sender's mailbox and a
 * double bounce to postmaster all arrive, and the log lines are qmail-log(5)'s with the qp of
 * each "bounce msg N qp Q" equal to the bounce's own "info msg Q: ... qp Q uid QMAILS". When
 * qmail-send stops, the writer it started stops too and removes its socket.
 */
@RootOnly
class QmailStartWriterRootTest {
    private static final int QMAILS = 40110;
    private static final int QMAILR = 40111;
    private static final int QMAILQ = 40112;
    private static final int QMAILL = 40113;
    private static final int QMAIL = 40120;
    private static final int NOFILES = 40121;
    private static final String IDS = "alias:40114:" + NOFILES + "\nqmaild:40115:" + NOFILES + "\nqmaill:" + QMAILL + ":" + NOFILES
            + "\nroot:0:0\nqmailp:40116:" + NOFILES + "\nqmailq:" + QMAILQ + ":" + QMAIL + "\nqmailr:" + QMAILR + ":" + QMAIL
            + "\nqmails:" + QMAILS + ":" + QMAIL + "\nnofiles:" + NOFILES + "\nqmail:" + QMAIL + "\n";

    @org.junit.jupiter.api.extension.RegisterExtension
    final ProcessHarness.Tracker harnesses = new ProcessHarness.Tracker();


    @TempDir Path home;

    private static void openUp(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (Files.isSymbolicLink(p)) continue;
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxrwxrwx" : "rw-rw-rw-"));
            }
        }
    }

    private static QueueResult inject(SocketQueueClient c, String messageId, String sender, String recipient) throws IOException {
        try (QueueClient.Session s = c.open()) {
            s.message().write(("Message-ID: <" + messageId + ">\nSubject: test\n\nbody\n").getBytes(StandardCharsets.ISO_8859_1));
            return s.commit(new Envelope(sender, List.of(recipient)));
        }
    }

    /** The one log line matching {@code regex} (which must match the whole line), its groups. */
    private static Optional<Matcher> line(ProcessHarness h, String regex) {
        Pattern p = Pattern.compile(regex);
        for (String l : h.logLines()) {
            Matcher m = p.matcher(l);
            if (m.matches()) return Optional.of(m);
        }
        return Optional.empty();
    }

    /** The first log line at or after {@code from} matching {@code regex} entirely. */
    private record Hit(int at, Matcher m) {}

    private static Hit after(ProcessHarness h, int from, String regex) {
        List<String> lines = h.logLines();
        Pattern p = Pattern.compile(regex);
        for (int i = from; i < lines.size(); i++) {
            Matcher m = p.matcher(lines.get(i));
            if (m.matches()) return new Hit(i, m);
        }
        throw new AssertionError("no line from " + from + " on matches " + regex + "; log:\n" + h.logText());
    }

    /**
     * As qmailanalog's matchup reads the log, in order (a message number comes back once its
     * message has left, so each is looked for after the line that made it): {@code once}
     * bounced, and the bounce's info line has the bounce line's qp as number and qp, from
     * qmails; {@code twice} bounced and that bounce bounced again (from #@[]), the same.
     * Returns the double bounce's number.
     */
    private static String bounceChain(ProcessHarness h, QueueResult once, QueueResult twice, String onceFrom, String twiceFrom) {
        Hit i1 = after(h, 0, "info msg " + once.qp() + ": bytes \\d+ from <" + Pattern.quote(onceFrom) + "> qp " + once.qp() + " uid 0");
        String q1 = after(h, i1.at(), "bounce msg " + once.qp() + " qp (\\d+)").m().group(1);
        after(h, i1.at(), "info msg " + q1 + ": bytes \\d+ from <> qp " + q1 + " uid " + QMAILS);
        Hit i2 = after(h, 0, "info msg " + twice.qp() + ": bytes \\d+ from <" + Pattern.quote(twiceFrom) + "> qp " + twice.qp() + " uid 0");
        String q2 = after(h, i2.at(), "bounce msg " + twice.qp() + " qp (\\d+)").m().group(1);
        Hit b2 = after(h, i2.at(), "info msg " + q2 + ": bytes \\d+ from <> qp " + q2 + " uid " + QMAILS);
        String q3 = after(h, b2.at(), "bounce msg " + q2 + " qp (\\d+)").m().group(1);
        after(h, i2.at(), "info msg " + q3 + ": bytes \\d+ from <#@\\[\\]> qp " + q3 + " uid " + QMAILS);
        return q3;
    }

    private static String status(long pid) throws IOException {
        return Files.readString(Path.of("/proc/" + pid + "/status"));
    }

    @Test
    void startsTheWriterSoBouncesLeaveAndStopsItWithQmailSend() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        ProcessHarness h = new ProcessHarness(tq).withQueueWriter();
        harnesses.track(h);
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), IDS);
        Files.writeString(tq.home.resolve("deliveries"), "");
        openUp(home);
        for (String bin : new String[] {"qmail-send", "qmail-clean", "qmail-lspawn", "qmail-rspawn", "qmail-queued"}) {
            Files.setPosixFilePermissions(home.resolve("bin").resolve(bin), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path socket = WriterProtocol.socket(tq.q);
        SocketQueueClient writer = new SocketQueueClient(socket);
        assertThat(writer.answers()).isFalse();

        h.start();
        h.await("status line and a writer", () -> h.logLines().contains("status: local 0/10 remote 0/20") && writer.answers(), 60);
        ProcessHandle queued = ProcessHandle.of(h.sendPid()).orElseThrow().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("org.qmailj.queue.QmailQueued")).findFirst().orElseThrow();
        assertThat(status(queued.pid())).containsPattern("\nUid:\\s+" + QMAILQ + "\\s+" + QMAILQ + "\\s+" + QMAILQ + "\\s+" + QMAILQ + "\n");
        assertThat(Files.getAttribute(socket, "unix:uid")).isEqualTo(QMAILQ);
        // qmail-clean is the writer's clean session for qmail-start (root): no JVM of its own.
        assertThat(h.child("QmailClean")).isEmpty();
        h.await("the writer serving qmail-clean", () -> {
            try {
                return Files.readString(home.resolve("stderr")).contains("qmail-queued: info: serving qmail-clean for uid 0\n");
            } catch (IOException e) {
                return false;
            }
        }, 60);

        // A local delivery; a failure bounced to a local sender; a failure whose bounce fails too.
        QueueResult ok = inject(writer, "plain@x", "someone@domain", "me@domain");
        QueueResult once = inject(writer, "once@x", "sender@domain", "failbox@domain");
        QueueResult twice = inject(writer, "twice@x", "failsender@domain", "failbox@domain");
        for (QueueResult r : List.of(ok, once, twice)) assertThat(r.ok()).as(r.toString()).isTrue();
        h.await("postmaster's double bounce", () -> {
            try {
                return h.delivered().stream().anyMatch(l -> l.startsWith("postmaster@domain "));
            } catch (IOException e) {
                return false;
            }
        }, 90);
        h.await("every message ended", () -> {
            try {
                return tq.leftovers().isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, 60);
        assertThat(h.delivered()).contains("me@domain <plain@x> someone@domain");
        assertThat(h.delivered()).anyMatch(l -> l.matches("sender@domain <[^>]+> "));
        assertThat(h.delivered()).anyMatch(l -> l.matches("postmaster@domain <[^>]+> #@\\[\\]"));
        String log = h.logText();
        assertThat(log).doesNotContain("trouble injecting").doesNotContain("qq trouble");

        // qmail-log(5): each message's info line carries the qp the writer returned (its number).
        for (QueueResult r : List.of(ok, once, twice)) {
            assertThat(line(h, "info msg " + r.qp() + ": bytes \\d+ from <[^>]*> qp " + r.qp() + " uid 0")).as(log).isPresent();
        }
        // Each bounce's qp is the bounce message's own number and qp, uid qmails.
        String q3 = bounceChain(h, once, twice, "sender@domain", "failsender@domain");
        assertThat(line(h, "starting delivery \\d+: msg " + q3 + " to local postmaster@domain")).as(log).isPresent();
        for (String n : List.of(Long.toString(once.qp()), q3)) {
            assertThat(line(h, "end msg " + n)).as(log).isPresent();
        }

        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
        ProcessHarness.awaitGone(List.of(queued), 60);
        assertThat(Files.exists(socket)).isFalse();
        assertThat(writer.answers()).isFalse();
    }

    private static void run(String... cmd) throws IOException {
        org.qmailj.testing.Cmd.Result r = org.qmailj.testing.Cmd.run(List.of(cmd));
        assertThat(r.exit()).as(String.join(" ", cmd) + ": " + r).isZero();
    }

    private static void own(Path p, int uid, int gid, String mode) throws IOException {
        Files.setAttribute(p, "unix:uid", uid);
        Files.setAttribute(p, "unix:gid", gid);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    private static List<String> maildir(Path md) throws IOException {
        try (Stream<Path> s = Files.list(md.resolve("new"))) {
            List<String> out = new ArrayList<>();
            for (Path p : s.sorted().toList()) out.add(Files.readString(p, StandardCharsets.ISO_8859_1));
            return out;
        }
    }

    /**
     * The same with the real qmail-lspawn and qmail-local (a real user, made for this run and
     * removed after it; unknown addresses go to the alias uid, which has no .qmail files): a
     * delivery to the user's ./Maildir/, a forward (.qmail-fwd: &amp;someone@remote.example)
     * queued by qmail-local as the user, a bounce to the user as sender, and a double bounce
     * to the user as control/doublebounceto all arrive, the message files all qmailq's.
     */
    @Test
    void realLocalDeliveriesForwardsAndBouncesWithNoOtherDaemon() throws Exception {
        String user = "qsw" + (ProcessHandle.current().pid() % 100000);
        TestQueue tq = new TestQueue(home, "domain");
        ProcessHarness h = new ProcessHarness(tq).withQueueWriter().withRealLspawn();
        harnesses.track(h);
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), IDS);
        Files.writeString(tq.home.resolve("deliveries"), "");
        tq.control("doublebounceto", user);
        openUp(home);
        for (String bin : new String[] {"qmail-send", "qmail-clean", "qmail-lspawn", "qmail-rspawn", "qmail-queued"}) {
            Files.setPosixFilePermissions(home.resolve("bin").resolve(bin), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path alias = Files.createDirectories(home.resolve("alias"));
        own(alias, 40114, NOFILES, "rwxr-xr-x");
        Path users = Files.createDirectories(home.resolve("users"));
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path uhome = users.resolve(user);
        org.qmailj.testing.Cmd.run(List.of("userdel", "-r", "-f", user));
        org.qmailj.testing.Cmd.run(List.of("groupdel", user));
        run("useradd", "-m", "-d", uhome.toString(), "-s", "/bin/sh", "-U", user);
        try {
            var pw = org.qmailj.common.sys.Passwd.getpwnam(user).orElseThrow();
            own(uhome, pw.uid(), pw.gid(), "rwxr-xr-x");
            Path md = uhome.resolve("Maildir");
            for (String d : List.of("", "tmp", "new", "cur")) own(Files.createDirectories(md.resolve(d)), pw.uid(), pw.gid(), "rwx------");
            Path fwd = uhome.resolve(".qmail-fwd");
            Files.writeString(fwd, "&someone@remote.example\n");
            own(fwd, pw.uid(), pw.gid(), "rw-r--r--");

            SocketQueueClient writer = new SocketQueueClient(WriterProtocol.socket(tq.q));
            h.start();
            h.await("status line and a writer", () -> h.logLines().contains("status: local 0/10 remote 0/20") && writer.answers(), 60);

            QueueResult plain = inject(writer, "plain@x", "someone@else.example", user + "@domain");
            QueueResult forward = inject(writer, "fwd@x", "fwdsender@else.example", user + "-fwd@domain");
            QueueResult once = inject(writer, "once@x", user + "@domain", "nobody1@domain");
            QueueResult twice = inject(writer, "twice@x", "nobody2@domain", "nobody3@domain");
            for (QueueResult r : List.of(plain, forward, once, twice)) assertThat(r.ok()).as(r.toString()).isTrue();
            h.await("three messages in the Maildir, the forward gone out, the queue empty", () -> {
                try {
                    return maildir(md).size() == 3 && tq.leftovers().isEmpty()
                            && h.delivered().contains("someone@remote.example <fwd@x> fwdsender@else.example");
                } catch (IOException e) {
                    return false;
                }
            }, 120);
            String log = h.logText();
            assertThat(log).doesNotContain("trouble").doesNotContain("deferral");
            List<String> box = maildir(md);
            assertThat(box).anyMatch(m -> m.contains("Message-ID: <plain@x>") && !m.contains("qmail-send program"));
            assertThat(box).anyMatch(m -> m.contains("qmail-send program") && m.contains("<nobody1@domain>:") && m.contains("Message-ID: <once@x>"));
            assertThat(box).anyMatch(m -> m.contains("<nobody2@domain>:") && m.contains("Message-ID: <twice@x>"));

            // The forward was queued by qmail-local as the user, through the writer.
            Matcher f = line(h, "info msg (\\d+): bytes \\d+ from <fwdsender@else\\.example> qp (\\d+) uid " + pw.uid())
                    .orElseThrow(() -> new AssertionError(log));
            assertThat(f.group(1)).isEqualTo(f.group(2));
            assertThat(line(h, "starting delivery \\d+: msg " + f.group(1) + " to remote someone@remote\\.example")).as(log).isPresent();
            // Bounce and double bounce: the qp of each bounce line is the bounce's own info qp.
            bounceChain(h, once, twice, user + "@domain", "nobody2@domain");
            assertThat(line(h, "delivery \\d+: success: did_1\\+0\\+0/")).as(log).isPresent();
            assertThat(line(h, "delivery \\d+: success: did_0\\+1\\+0/")).as(log).isPresent();
            assertThat(line(h, "delivery \\d+: failure: Sorry,_no_mailbox_here_by_that_name\\._\\(#5\\.1\\.1\\)/")).as(log).isPresent();

            h.signal(Proc.SIGTERM);
            assertThat(h.waitExit(60)).isZero();
            h.await("the writer gone", () -> !Files.exists(WriterProtocol.socket(tq.q)), 60);
        } finally {
            h.destroy();
            org.qmailj.testing.Cmd.run(List.of("userdel", "-r", "-f", user));
            org.qmailj.testing.Cmd.run(List.of("groupdel", user));
        }
    }
}
