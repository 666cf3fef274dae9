package org.qmailj.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * qmail-install --mta and --uninstall, with the system paths (/usr/sbin/sendmail, /etc/systemd,
 * /var/log/qmail, /usr/local/share/man) and the qmail users (useradd --prefix: the prefix's
 * etc/passwd and etc/group) under a scratch prefix: the machine's own users and files are
 * checked to stay as they were. SystemE2EIT and DebIT do the same install for real
 * (QMAIL_TEST_SYSTEM=1).
 */
@RootOnly
class MtaInstallIT {
    @TempDir Path tmp;

    static Cmd.Result installer(String... args) throws IOException {
        TreeIT.findTree();
        List<String> cmd = new ArrayList<>(List.of(TreeIT.tree.resolve("bin/qmail-install").toString()));
        cmd.addAll(List.of(args));
        return Cmd.run(cmd, Map.of(), null, new byte[0], 180);
    }

    static final List<String> USERS = List.of("alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails");

    /** The machine's entry for a name in a database (passwd or group), "" when there is none. */
    static String machine(String db, String name) throws IOException {
        return Cmd.run(List.of("getent", db, name)).out();
    }

    static Map<String, String> machineAccounts() throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (String u : USERS) m.put("user " + u, machine("passwd", u));
        for (String g : List.of("qmail", "nofiles")) m.put("group " + g, machine("group", g));
        return m;
    }

    /** The name's entry in prefix/etc/passwd or group, split at ':'; null when there is none. */
    static String[] entry(Path prefix, String db, String name) throws IOException {
        Path f = prefix.resolve("etc").resolve(db);
        if (!Files.exists(f)) return null;
        for (String l : Files.readAllLines(f)) {
            String[] x = l.split(":", -1);
            if (x[0].equals(name)) return x;
        }
        return null;
    }

    static int uid(Path prefix, String user) throws IOException {
        return Integer.parseInt(entry(prefix, "passwd", user)[2]);
    }

    static int fileUid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /** Every path below root with its type, mode, owner and (for files and links) content. */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String key = root.relativize(p).toString();
                if (key.startsWith("lib/qmail.aot") || key.startsWith("lib/inject.aot")) continue;
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
                String v = a.get("mode") + " " + a.get("uid") + " " + a.get("gid");
                if (Files.isSymbolicLink(p)) v += " -> " + Files.readSymbolicLink(p);
                else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) v += " " + Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1).hashCode();
                m.put(key, v);
            }
        }
        return m;
    }

    @Test
    void installTwiceThenUninstall() throws IOException {
        Map<String, String> machineBefore = machineAccounts();
        Path home = tmp.resolve("var-qmail");
        Path prefix = tmp.resolve("root");
        Files.createDirectories(prefix.resolve("usr/sbin"));
        Files.writeString(prefix.resolve("usr/sbin/sendmail"), "#!/bin/sh\necho previous MTA\n");
        Map<String, String> prefixBeforeInstall = snapshot(prefix);

        Cmd.Result r = installer("--mta", home.toString(), "--prefix=" + prefix, "--me=mta.example", "--smtp=127.0.0.1:2525", "--no-aot");
        assertThat(r.exit()).as(r.toString()).isZero();
        for (String u : USERS) assertThat(entry(prefix, "passwd", u)).as(u).isNotNull();
        assertThat(entry(prefix, "group", "nofiles")).isNotNull();
        assertThat(entry(prefix, "passwd", "qmailq")[3]).isEqualTo(entry(prefix, "group", "qmail")[2]);
        assertThat(entry(prefix, "passwd", "alias")[5]).isEqualTo(home.toRealPath().resolve("alias").toString());
        assertThat(machineAccounts()).as("the machine's accounts").isEqualTo(machineBefore);

        // INSTALL.alias: postmaster, mailer-daemon and root go to ~alias, delivered by defaultdelivery.
        assertThat(home.resolve("alias/.qmail-postmaster")).isRegularFile();
        assertThat(home.resolve("alias/.qmail-mailer-daemon")).isRegularFile();
        assertThat(home.resolve("alias/.qmail-root")).isRegularFile();
        assertThat(fileUid(home.resolve("alias/Maildir/new"))).isEqualTo(uid(prefix, "alias"));
        assertThat(fileUid(home.resolve("queue/mess"))).isEqualTo(uid(prefix, "qmailq"));
        assertThat(Files.readString(home.resolve("lib/ids"))).contains("qmailq:" + uid(prefix, "qmailq") + ":");
        assertThat(Files.readString(home.resolve("control/defaultdelivery"))).isEqualTo("./Maildir/\n");
        assertThat(Files.readString(home.resolve("control/tcp.smtp"))).isEqualTo("127.:allow,RELAYCLIENT=\"\"\n:allow\n");

        String sendRun = Files.readString(home.resolve("supervise/qmail-send/run"));
        assertThat(sendRun).contains("exec env - PATH=\"" + home.toRealPath() + "/bin:/usr/bin:/bin\" " + home.toRealPath() + "/bin/qmail-start");
        String smtpRun = Files.readString(home.resolve("supervise/qmail-smtpd/run"));
        assertThat(smtpRun).contains("tcpserver -v -R").contains("-x " + home.toRealPath() + "/control/tcp.smtp.cdb")
                .contains("127.0.0.1 2525 " + home.toRealPath() + "/bin/qmail-smtpd");
        // Every log through one multilogs JVM: a fifo per service, qmaill's, fed by its log/run.
        Path fifo = home.toRealPath().resolve("supervise/qmail-log/fifo/qmail-send");
        assertThat(Files.readString(home.resolve("supervise/qmail-send/log/run"))).contains("fifo=" + fifo + "\n")
                .contains("setuidgid qmaill /bin/cat 1<>\"$fifo\"");
        assertThat(Files.readString(home.resolve("supervise/qmail-log/run"))).contains("setuidgid qmaill " + home.toRealPath() + "/bin/multilogs")
                .contains(fifo + " t " + prefix.resolve("var/log/qmail/qmail-send"));
        assertThat(Files.readAttributes(fifo, "unix:mode").get("mode")).isEqualTo(0010600);
        assertThat(fileUid(fifo)).isEqualTo(uid(prefix, "qmaill"));
        assertThat(home.resolve("supervise/qmail-log/stoplast")).isRegularFile();
        assertThat(Files.readSymbolicLink(home.resolve("service/qmail-log"))).isEqualTo(home.toRealPath().resolve("supervise/qmail-log"));
        assertThat(Files.readSymbolicLink(home.resolve("service/qmail-send"))).isEqualTo(home.toRealPath().resolve("supervise/qmail-send"));
        assertThat(fileUid(prefix.resolve("var/log/qmail/qmail-smtpd"))).isEqualTo(uid(prefix, "qmaill"));

        // SENDMAIL.md: ours in place, the previous one kept aside.
        assertThat(Files.readSymbolicLink(prefix.resolve("usr/sbin/sendmail"))).isEqualTo(home.toRealPath().resolve("bin/sendmail"));
        assertThat(Files.readSymbolicLink(prefix.resolve("usr/lib/sendmail"))).isEqualTo(home.toRealPath().resolve("bin/sendmail"));
        assertThat(Files.readString(prefix.resolve("usr/sbin/sendmail.pre-qmail"))).contains("previous MTA");
        assertThat(Files.readString(prefix.resolve("etc/systemd/system/qmail.service"))).contains("ExecStart=" + home.toRealPath() + "/bin/svscan-inprocess " + home.toRealPath() + "/service");
        assertThat(prefix.resolve("usr/local/share/man/man8/qmail-send.8")).isRegularFile();

        // Running it twice changes nothing, here or outside.
        Map<String, String> homeBefore = snapshot(home);
        Map<String, String> prefixBefore = snapshot(prefix);
        Cmd.Result again = installer("--mta", home.toString(), "--prefix=" + prefix, "--me=other.example", "--smtp=127.0.0.1:2525", "--no-aot");
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(snapshot(home)).isEqualTo(homeBefore);
        assertThat(snapshot(prefix)).isEqualTo(prefixBefore);

        // Uninstall with a message queued: the queue stays, with a clear message; the rest goes.
        Files.writeString(home.resolve("queue/mess/1/24"), "queued\n");
        Cmd.Result un = installer("--uninstall", home.toString());
        assertThat(un.exit()).as(un.toString()).isZero();
        assertThat(un.err()).contains("still holds 1 message(s): left in place");
        assertThat(Files.readString(home.resolve("queue/mess/1/24"))).isEqualTo("queued\n");
        try (Stream<Path> top = Files.list(home)) {
            assertThat(top.map(p -> p.getFileName().toString()).toList()).containsExactly("queue");
        }
        assertThat(Files.readString(prefix.resolve("usr/sbin/sendmail"))).contains("previous MTA");
        assertThat(prefix.resolve("usr/sbin/sendmail.pre-qmail")).doesNotExist();
        assertThat(prefix.resolve("usr/lib/sendmail")).doesNotExist();
        assertThat(prefix.resolve("etc/systemd/system/qmail.service")).doesNotExist();
        assertThat(prefix.resolve("usr/local/share/man/man8/qmail-send.8")).doesNotExist();
        assertThat(prefix.resolve("var/log/qmail")).doesNotExist();
        assertThat(prefix.resolve("usr/local/share/man")).doesNotExist();
        // Users, groups, account files and every directory the install made are gone again.
        assertThat(snapshot(prefix)).isEqualTo(prefixBeforeInstall);
        assertThat(machineAccounts()).as("the machine's accounts").isEqualTo(machineBefore);
    }

    @Test
    void uninstallOfAnEmptyQueueRemovesEverything() throws IOException {
        Path home = tmp.resolve("q2");
        Path prefix = tmp.resolve("root2");
        assertThat(installer("--mta", home.toString(), "--prefix=" + prefix, "--me=e.example", "--no-aot").exit()).isZero();
        Cmd.Result un = installer("--uninstall", home.toString());
        assertThat(un.exit()).as(un.toString()).isZero();
        assertThat(un.err()).isEmpty();
        assertThat(home).doesNotExist();
        assertThat(prefix).as("everything below the prefix was the install's").doesNotExist();
    }
}
