package org.qmailj.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.DefaultSignals;
import org.qmailj.testing.RootOnly;

/**
 * The upgrade from netqmail in place (qmail-install/README.md, "Upgrading from netqmail"), under a
 * scratch prefix: a /var/qmail laid out as netqmail's (stand-in binaries, a queue holding
 * messages in each state qmail-send leaves them in), its services in PREFIX/service run by
 * daemontools' C svscan and supervise (Debian's, standing for /usr/local/bin's) with LWQ's run
 * scripts. Then qmail-install --mta, the same svscan again: every queued message is delivered
 * exactly once where it should go (done recipients not again), SMTP through ucspi-tcp's C
 * tcpserver reaches our qmail-smtpd, the queue ends empty; and --rollback puts netqmail's
 * bin/ and man/ back byte for byte.
 */
@RootOnly
class UpgradeIT {
    @TempDir Path tmp;

    static final String DATE = LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);

    static void ok(List<String> cmd) throws IOException {
        Cmd.Result r = Cmd.run(cmd);
        assertThat(r.exit()).as(String.join(" ", cmd) + ": " + r).isZero();
    }

    static int id(Path prefix, String db, String name) throws IOException {
        return Integer.parseInt(MtaInstallIT.entry(prefix, db, name)[2]);
    }

    /** A uid no account of the machine or the prefix has: the mail users' (users/cdb gives it). */
    static int freeUid(Path prefix) throws IOException {
        for (int uid = 64100; ; uid++) {
            String u = Integer.toString(uid);
            if (Cmd.run(List.of("getent", "passwd", u)).exit() != 0 && Cmd.run(List.of("getent", "group", u)).exit() != 0
                    && !Files.readString(prefix.resolve("etc/passwd")).contains(":" + u + ":")) return uid;
        }
    }

    static List<Path> files(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        } catch (IOException e) {
            return List.of(Path.of("(unreadable " + dir + ")"));
        }
    }

    static List<String> queueLeft(Path home) {
        List<String> left = new ArrayList<>();
        for (String d : List.of("mess", "info", "local", "remote", "todo", "intd", "bounce")) {
            for (Path p : files(home.resolve("queue").resolve(d))) left.add(home.relativize(p).toString());
        }
        return left;
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(unreadable " + p + ")";
        }
    }

    @Test
    void netqmailIsReplacedItsQueueDeliveredAndRolledBack() throws Exception {
        TreeIT.findTree();
        Map<String, String> machineBefore = MtaInstallIT.machineAccounts();
        Files.setAttribute(tmp, "unix:mode", 0755); // the mail users reach their homes below it
        Path prefix = tmp.resolve("root");
        Path home = prefix.resolve("var/qmail");
        Files.createDirectories(prefix.resolve("etc"));
        for (String f : List.of("passwd", "group", "shadow", "gshadow")) Files.createFile(prefix.resolve("etc").resolve(f));
        // netqmail's users and groups exist already (INSTALL.ids).
        for (String g : List.of("nofiles", "qmail")) ok(List.of("groupadd", "--prefix", prefix.toString(), "--system", g));
        for (String u : MtaInstallIT.USERS) {
            String group = List.of("alias", "qmaild", "qmaill", "qmailp").contains(u) ? "nofiles" : "qmail";
            ok(List.of("useradd", "--prefix", prefix.toString(), "--system", "-M", "-N", "-g", group, "-d", home.toString(),
                    "-s", "/usr/sbin/nologin", u));
        }
        NetqmailTree.Ids ids = new NetqmailTree.Ids(id(prefix, "passwd", "alias"), id(prefix, "passwd", "qmaild"),
                id(prefix, "passwd", "qmaill"), id(prefix, "passwd", "qmailq"), id(prefix, "passwd", "qmailr"),
                id(prefix, "passwd", "qmails"), id(prefix, "group", "qmail"), id(prefix, "group", "nofiles"));
        int mailUid = freeUid(prefix);

        try (SmtpPeer peer = new SmtpPeer()) {
            NetqmailTree nq = new NetqmailTree(home, ids);
            nq.layOut();
            int smtpPort = SystemE2EIT.freePort();
            netqmailConfig(nq, prefix, home, peer.port(), mailUid);
            Path mail = tmp.resolve("mail");
            for (String u : List.of("alice", "bob", "carol")) {
                for (String sub : List.of("", "/Maildir", "/Maildir/new", "/Maildir/cur", "/Maildir/tmp")) {
                    Path d = mail.resolve(u + sub);
                    Files.createDirectories(d);
                    NetqmailTree.own(d, mailUid, mailUid, sub.isEmpty() ? 0755 : 0700);
                }
            }
            netqmailServices(prefix, home, smtpPort, ids);

            // The queue as netqmail's qmail-send left it when it was stopped for the upgrade.
            String from = "dave@elsewhere.example";
            long m1 = nq.message("From: " + from + "\nSubject: m1 only in todo\n\none\n");
            nq.todo(m1, from, "alice@local.example", "friend@remote.example");
            long m2 = nq.message("From: " + from + "\nSubject: m2 half done\n\ntwo\n");
            nq.info(m2, from);
            nq.local(m2, "Dbob@local.example", "Talice@local.example", "Dcarol@local.example");
            long m3 = nq.message("From: " + from + "\nSubject: m3 remote\n\nthree\n");
            nq.info(m3, from);
            nq.remote(m3, "Dother@remote.example", "Tfriend@remote.example");
            long m4 = nq.message("From: carol@local.example\nSubject: m4 bounced\n\nfour\n");
            nq.info(m4, "carol@local.example");
            nq.local(m4, "Dnobody@local.example");
            nq.bounce(m4, "nobody@local.example", "Sorry, no mailbox here by that name. (#5.1.1)\n");

            Map<String, String> before = NetqmailTree.snapshot(home);
            Map<String, String> binBefore = NetqmailTree.snapshot(home.resolve("bin"));
            Map<String, String> manBefore = NetqmailTree.snapshot(home.resolve("man"));
            String smtpdRunBefore = Files.readString(home.resolve("supervise/qmail-smtpd/run"));

            Cmd.Result in = MtaInstallIT.installer("--mta", home.toString(), "--prefix=" + prefix, "--no-aot");
            assertThat(in.exit()).as(in.toString()).isZero();
            assertThat(in.err()).contains("kept as " + home.resolve("bin.netqmail-" + DATE))
                    .contains("netqmail programs kept in " + home.resolve("bin") + ": datemail predate")
                    .contains(prefix.resolve("usr/local/bin/softlimit") + " was missing");

            // netqmail's bin/ and man/ renamed aside as they were; ours in their place.
            assertThat(NetqmailTree.snapshot(home.resolve("bin.netqmail-" + DATE))).isEqualTo(binBefore);
            assertThat(NetqmailTree.snapshot(home.resolve("man.netqmail-" + DATE))).isEqualTo(manBefore);
            assertThat(Files.readString(home.resolve("bin/qmail-send"))).contains("org.qmailj.send.QmailSend");
            assertThat(Files.readString(home.resolve("bin/predate"))).contains("netqmail 1.06 predate");
            assertThat(Files.readString(home.resolve("bin/qmail-popup"))).contains("org.qmailj.pop3d.QmailPopup");
            // The rest is kept byte for byte: queue, control, users, alias, rc, boot, run scripts.
            Map<String, String> after = NetqmailTree.snapshot(home);
            Map<String, String> changed = new TreeMap<>();
            for (var e : before.entrySet()) {
                String k = e.getKey();
                if (k.equals("bin") || k.startsWith("bin/") || k.equals("man") || k.startsWith("man/") || k.equals("supervise/qmail-smtpd/run")) continue;
                if (!e.getValue().equals(after.get(k))) changed.put(k, e.getValue() + " => " + after.get(k));
            }
            assertThat(changed).as("netqmail's files changed by the upgrade").isEmpty();
            List<String> added = after.keySet().stream().filter(k -> !before.containsKey(k))
                    .filter(k -> !k.matches("(bin|man|lib|bin\\.netqmail-\\d+|man\\.netqmail-\\d+|supervise/qmail-queued)(/.*)?")).toList();
            assertThat(added).containsExactlyInAnyOrder("control/tcp.smtp", "control/tcp.smtp.cdb", "alias/Maildir",
                    "alias/Maildir/new", "alias/Maildir/cur", "alias/Maildir/tmp", "supervise/qmail-smtpd/run.netqmail-" + DATE);
            // The softlimit too small for a JVM is raised; nothing else in the script changes.
            assertThat(Files.readString(home.resolve("supervise/qmail-smtpd/run.netqmail-" + DATE))).isEqualTo(smtpdRunBefore);
            assertThat(Files.readString(home.resolve("supervise/qmail-smtpd/run")))
                    .isEqualTo(smtpdRunBefore.replace("softlimit -m 2000000 ", "softlimit -m 3000000000 "));
            assertThat(Files.readSymbolicLink(prefix.resolve("service/qmail-queued"))).isEqualTo(home.resolve("supervise/qmail-queued"));
            assertThat(Files.readSymbolicLink(prefix.resolve("usr/local/bin/softlimit"))).isEqualTo(home.resolve("bin/softlimit"));
            assertThat(Files.readSymbolicLink(prefix.resolve("usr/local/bin/tcpserver"))).isEqualTo(Path.of("/usr/bin/tcpserver"));
            assertThat(Files.readSymbolicLink(prefix.resolve("usr/sbin/sendmail"))).isEqualTo(home.resolve("bin/sendmail"));
            assertThat(home.resolve("service")).as("no svscan of our own: netqmail's runs the services").doesNotExist();
            assertThat(prefix.resolve("etc/systemd/system/qmail.service")).doesNotExist();
            assertThat(MtaInstallIT.installer("--uninstall", home.toString()).exit()).as("--uninstall refuses an upgrade").isEqualTo(100);

            // Run again: nothing more is set aside or changed.
            Map<String, String> installed = NetqmailTree.snapshot(prefix);
            Cmd.Result again = MtaInstallIT.installer("--mta", home.toString(), "--prefix=" + prefix, "--no-aot");
            assertThat(again.exit()).as(again.toString()).isZero();
            assertThat(NetqmailTree.snapshot(prefix)).isEqualTo(installed);

            runAndDeliver(prefix, home, mail, peer, smtpPort, from, m1);

            // The way back: netqmail's bin/ and man/ byte for byte, its run script, no trace of ours.
            Cmd.Result back = MtaInstallIT.installer("--rollback", home.toString());
            assertThat(back.exit()).as(back.toString()).isZero();
            assertThat(NetqmailTree.snapshot(home.resolve("bin"))).isEqualTo(binBefore);
            assertThat(NetqmailTree.snapshot(home.resolve("man"))).isEqualTo(manBefore);
            assertThat(Files.readString(home.resolve("supervise/qmail-smtpd/run"))).isEqualTo(smtpdRunBefore);
            for (String gone : List.of("lib", "bin.netqmail-" + DATE, "man.netqmail-" + DATE, "supervise/qmail-queued",
                    "supervise/qmail-smtpd/run.netqmail-" + DATE, "queue/lock/qmail-queue.sock")) {
                assertThat(home.resolve(gone)).as(gone).doesNotExist();
            }
            assertThat(prefix.resolve("service/qmail-queued")).doesNotExist();
            assertThat(prefix.resolve("usr/local/bin/softlimit")).doesNotExist();
            assertThat(prefix.resolve("usr/local/share/man")).doesNotExist();
            Map<String, String> rolledBack = NetqmailTree.snapshot(home);
            for (String k : List.of("rc", "boot/home", "users/cdb", "users/assign", "control/me", "control/smtproutes", "alias/.qmail-root",
                    "queue", "queue/lock/trigger", "queue/lock/tcpto", "queue/mess/7", "queue/remote/22", "queue/bounce")) {
                assertThat(rolledBack.get(k)).as(k).isEqualTo(before.get(k));
            }
            assertThat(MtaInstallIT.installer("--rollback", home.toString()).exit()).as("nothing left to roll back").isEqualTo(100);
        }
        assertThat(MtaInstallIT.machineAccounts()).as("the machine's accounts").isEqualTo(machineBefore);
    }

    /** control/, users/, alias/, rc, boot/ and the sendmail links of a netqmail machine (LWQ's layout). */
    private static void netqmailConfig(NetqmailTree nq, Path prefix, Path home, int peerPort, int mailUid) throws Exception {
        nq.text("control/me", "local.example\n", 0644);
        nq.text("control/locals", "local.example\nlocalhost\n", 0644);
        nq.text("control/rcpthosts", "local.example\n", 0644);
        nq.text("control/defaultdomain", "example\n", 0644);
        nq.text("control/plusdomain", "example\n", 0644);
        nq.text("control/defaultdelivery", "./Maildir/\n", 0644);
        nq.text("control/concurrencyincoming", "10\n", 0644);
        nq.text("control/smtproutes", "remote.example:127.0.0.1:" + peerPort + "\n", 0644);
        Path mail = prefix.getParent().resolve("mail");
        StringBuilder assign = new StringBuilder();
        for (String u : List.of("alice", "bob", "carol")) assign.append("=").append(u).append(":mail:").append(mailUid).append(':')
                .append(mailUid).append(':').append(mail.resolve(u)).append(":::\n");
        nq.text("users/assign", assign + ".\n", 0644);
        // netqmail's qmail-newu writes the same cdb (the interop tests of qmail-lspawn check the format).
        org.qmailj.lspawn.QmailNewu.build(home.resolve("users"));
        nq.ownRoot("users/cdb", 0644);
        for (String a : List.of(".qmail-postmaster", ".qmail-mailer-daemon", ".qmail-root")) nq.text("alias/" + a, "&alice@local.example\n", 0644);
        nq.text("rc", "#!/bin/sh\n\n# Using stdout for logging\n# Using control/defaultdelivery from qmail-local to deliver messages by default\n\n"
                + "exec env - PATH=\"" + home + "/bin:$PATH\" \\\nqmail-start \"`cat " + home + "/control/defaultdelivery`\"\n", 0755);
        nq.text("boot/home", "#!/bin/sh\n\n# Using splogger to send the log through syslog.\n# Using qmail-local to deliver messages to ~/Mailbox by default.\n\n"
                + "exec env - PATH=\"" + home + "/bin:$PATH\" \\\nqmail-start ./Mailbox splogger qmail\n", 0755);
        for (String s : List.of("usr/sbin/sendmail", "usr/lib/sendmail")) {
            Files.createDirectories(prefix.resolve(s).getParent());
            Files.createSymbolicLink(prefix.resolve(s), home.resolve("bin/sendmail"));
        }
    }

    /**
     * LWQ's services: /var/qmail/supervise/{qmail-send,qmail-smtpd} linked into /service, logs by
     * multilog (as nobody: the prefix's qmaill is no account of the machine), SMTP under softlimit
     * -m 2000000 and tcpserver, daemontools and ucspi-tcp in /usr/local/bin (softlimit missing there).
     */
    private static void netqmailServices(Path prefix, Path home, int smtpPort, NetqmailTree.Ids ids) throws IOException {
        Path local = prefix.resolve("usr/local/bin");
        Files.createDirectories(local);
        for (String t : List.of("setuidgid", "multilog", "tcpserver")) Files.createSymbolicLink(local.resolve(t), Path.of("/usr/bin/" + t));
        Path logs = prefix.resolve("var/log/qmail");
        Files.createDirectories(logs.resolve("smtpd"));
        ok(List.of("chown", "-R", "nobody", logs.toString()));
        Cmd.Result rules = Cmd.run(List.of("/usr/bin/tcprules", prefix + "/etc/tcp.smtp.cdb", prefix + "/etc/tcp.smtp.tmp"), Map.of(), null,
                "127.:allow,RELAYCLIENT=\"\"\n:allow\n".getBytes(StandardCharsets.US_ASCII), 30);
        assertThat(rules.exit()).as(rules.toString()).isZero();
        Path sup = home.resolve("supervise");
        service(sup.resolve("qmail-send"), "#!/bin/sh\nexec " + home + "/rc\n",
                "#!/bin/sh\nexec " + local + "/setuidgid nobody " + local + "/multilog t " + logs + "\n");
        service(sup.resolve("qmail-smtpd"), """
                #!/bin/sh

                QMAILDUID=%5$d
                NOFILESGID=%6$d
                MAXSMTPD=`cat %1$s/control/concurrencyincoming`
                LOCAL=`head -1 %1$s/control/me`

                if [ -z "$QMAILDUID" -o -z "$NOFILESGID" -o -z "$MAXSMTPD" -o -z "$LOCAL" ]; then
                    echo QMAILDUID, NOFILESGID, MAXSMTPD, or LOCAL is unset in
                    echo %1$s/supervise/qmail-smtpd/run
                    exit 1
                fi

                exec %2$s/softlimit -m 2000000 \\
                    %2$s/tcpserver -v -R -l "$LOCAL" -x %3$s/etc/tcp.smtp.cdb -c "$MAXSMTPD" \\
                        -u "$QMAILDUID" -g "$NOFILESGID" 127.0.0.1 %4$d %1$s/bin/qmail-smtpd 2>&1
                """.formatted(home, local, prefix, smtpPort, ids.qmaild(), ids.nofiles()),
                "#!/bin/sh\nexec " + local + "/setuidgid nobody " + local + "/multilog t " + logs.resolve("smtpd") + "\n");
        Path service = prefix.resolve("service");
        Files.createDirectories(service);
        for (String s : List.of("qmail-send", "qmail-smtpd")) Files.createSymbolicLink(service.resolve(s), sup.resolve(s));
    }

    private static void service(Path dir, String run, String logRun) throws IOException {
        Files.createDirectories(dir.resolve("log"));
        Files.writeString(dir.resolve("run"), run);
        Files.setAttribute(dir.resolve("run"), "unix:mode", 0755);
        Files.writeString(dir.resolve("log/run"), logRun);
        Files.setAttribute(dir.resolve("log/run"), "unix:mode", 0755);
        Files.setAttribute(dir, "unix:mode", 01755);
    }

    /** daemontools' svscan on PREFIX/service, as netqmail's boot started it; the queue must drain. */
    private void runAndDeliver(Path prefix, Path home, Path mail, SmtpPeer peer, int smtpPort, String from, long m1) throws Exception {
        Path service = prefix.resolve("service");
        ProcessBuilder scan = DefaultSignals.builder("/usr/bin/svscan", service.toString());
        scan.environment().clear();
        scan.environment().put("PATH", "/usr/bin:/bin:/usr/sbin:/sbin");
        scan.redirectErrorStream(true).redirectOutput(tmp.resolve("svscan.log").toFile());
        Process svscan = scan.start();
        List<Path> dirs = new ArrayList<>();
        for (String s : List.of("qmail-send", "qmail-smtpd", "qmail-queued")) dirs.addAll(List.of(service.resolve(s), service.resolve(s + "/log")));
        try {
            SystemE2EIT.await("qmail-queued's socket", () -> Files.exists(home.resolve("queue/lock/qmail-queue.sock"), LinkOption.NOFOLLOW_LINKS), 120);
            SystemE2EIT.await("SMTP on port " + smtpPort, () -> SystemE2EIT.listening(smtpPort), 120);
            smtp(smtpPort, "erin@elsewhere.example", "alice@local.example", "Subject: m5 by smtp\r\n\r\nfive\r\n");
            try {
                SystemE2EIT.await("the queue to drain", () -> queueLeft(home).isEmpty()
                        && files(mail.resolve("alice/Maildir/new")).size() == 3 && files(mail.resolve("carol/Maildir/new")).size() == 1
                        && peer.received.size() == 2, 180);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nqueue: " + queueLeft(home) + "\nalice: " + files(mail.resolve("alice"))
                        + "\ncarol: " + files(mail.resolve("carol")) + "\npeer: " + peer.received
                        + "\nqmail-send log: " + read(prefix.resolve("var/log/qmail/current"))
                        + "\nsmtpd log: " + read(prefix.resolve("var/log/qmail/smtpd/current")) + "\nsvscan: " + read(tmp.resolve("svscan.log")));
            }
        } finally {
            svscan.destroy();
            svscan.waitFor(30, TimeUnit.SECONDS);
            for (Path d : dirs) Cmd.run(List.of("/usr/bin/svc", "-dx", d.toString()));
            for (Path d : dirs) SystemE2EIT.await("supervise of " + d + " to stop", () -> {
                try {
                    return Cmd.run(List.of("/usr/bin/svok", d.toString())).exit() != 0;
                } catch (IOException e) {
                    return false;
                }
            }, 60);
            SystemE2EIT.await("every process of the install to end", () -> SystemE2EIT.processes(home).isEmpty(), 60);
        }
        List<String> alice = files(mail.resolve("alice/Maildir/new")).stream().map(UpgradeIT::read).toList();
        assertThat(alice).filteredOn(m -> m.contains("Subject: m1 only in todo")).hasSize(1).first().asString()
                .isEqualTo("Return-Path: <" + from + ">\nDelivered-To: alice@local.example\nFrom: " + from + "\nSubject: m1 only in todo\n\none\n");
        // qmail-send had preprocessed m2: its mess/ file is delivered as it stands, to alice only.
        assertThat(alice).filteredOn(m -> m.contains("Subject: m2 half done")).containsExactly(
                "Return-Path: <" + from + ">\nDelivered-To: alice@local.example\nFrom: " + from + "\nSubject: m2 half done\n\ntwo\n");
        assertThat(alice).filteredOn(m -> m.contains("Subject: m5 by smtp")).hasSize(1);
        assertThat(files(mail.resolve("bob/Maildir"))).as("bob was done before the upgrade").isEmpty();
        List<Path> carol = files(mail.resolve("carol/Maildir/new"));
        assertThat(read(carol.getFirst())).contains("Subject: failure notice")
                .contains("<nobody@local.example>:\nSorry, no mailbox here by that name. (#5.1.1)\n")
                .contains("--- Below this line is a copy of the message.").contains("Subject: m4 bounced");
        assertThat(peer.received).filteredOn(m -> m.contains("Subject: m1 only in todo")).singleElement().asString()
                .contains("RCPT TO:<friend@remote.example>");
        assertThat(peer.received).filteredOn(m -> m.contains("Subject: m3 remote")).singleElement().asString()
                .startsWith("MAIL FROM:<" + from + ">\nRCPT TO:<friend@remote.example>\n\n").doesNotContain("other@remote.example");
        assertThat(queueLeft(home)).isEmpty();
        // qmail-send's activity record reached daemontools' multilog through netqmail's rc and log/run.
        assertThat(read(prefix.resolve("var/log/qmail/current"))).contains("status: local 0/10 remote 0/20")
                .contains("starting delivery ").contains(": msg " + m1 + " to remote friend@remote.example").contains("end msg " + m1);
    }

    /** One message through an SMTP session, checking each reply code. */
    private static void smtp(int port, String from, String to, String data) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(60_000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            for (String[] step : new String[][] {{"HELO test", "250"}, {"MAIL FROM:<" + from + ">", "250"}, {"RCPT TO:<" + to + ">", "250"},
                {"DATA", "354"}, {data + ".", "250"}, {"QUIT", "221"}}) {
                out.write((step[0] + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                expect(in, step[1]);
            }
        }
    }

    private static void expect(java.io.BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            assertThat(line).as("reply " + code).isNotNull().startsWith(code);
        } while (line.charAt(3) == '-');
    }
}
