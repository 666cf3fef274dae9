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
 * /var/log/qmail, /usr/local/share/man) under a scratch prefix, and real qmail users.
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

    static boolean exists(String db, String name) throws IOException {
        return Cmd.run(List.of("getent", db, name)).exit() == 0;
    }

    /** Every path below root with its type, mode, owner and (for files and links) content. */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String key = root.relativize(p).toString();
                if (key.startsWith("lib/qmail.aot")) continue;
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
        Map<String, Boolean> before = new TreeMap<>();
        for (String u : List.of("alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails")) before.put(u, exists("passwd", u));
        boolean qmailGroupBefore = exists("group", "qmail");

        Path home = tmp.resolve("var-qmail");
        Path prefix = tmp.resolve("root");
        Files.createDirectories(prefix.resolve("usr/sbin"));
        Files.writeString(prefix.resolve("usr/sbin/sendmail"), "#!/bin/sh\necho previous MTA\n");

        Cmd.Result r = installer("--mta", home.toString(), "--prefix=" + prefix, "--me=mta.example", "--smtp=127.0.0.1:2525", "--no-aot");
        assertThat(r.exit()).as(r.toString()).isZero();
        for (String u : before.keySet()) assertThat(exists("passwd", u)).as(u).isTrue();
        assertThat(exists("group", "nofiles")).isTrue();

        // INSTALL.alias: postmaster, mailer-daemon and root go to ~alias, delivered by defaultdelivery.
        assertThat(home.resolve("alias/.qmail-postmaster")).isRegularFile();
        assertThat(home.resolve("alias/.qmail-mailer-daemon")).isRegularFile();
        assertThat(home.resolve("alias/.qmail-root")).isRegularFile();
        assertThat(Files.getOwner(home.resolve("alias/Maildir/new")).getName()).isEqualTo("alias");
        assertThat(Files.readString(home.resolve("control/defaultdelivery"))).isEqualTo("./Maildir/\n");
        assertThat(Files.readString(home.resolve("control/tcp.smtp"))).isEqualTo("127.:allow,RELAYCLIENT=\"\"\n:allow\n");

        String sendRun = Files.readString(home.resolve("supervise/qmail-send/run"));
        assertThat(sendRun).contains("exec env - PATH=\"" + home.toRealPath() + "/bin:/usr/bin:/bin\" " + home.toRealPath() + "/bin/qmail-start");
        String smtpRun = Files.readString(home.resolve("supervise/qmail-smtpd/run"));
        assertThat(smtpRun).contains("tcpserver -v -R").contains("-x " + home.toRealPath() + "/control/tcp.smtp.cdb")
                .contains("127.0.0.1 2525 " + home.toRealPath() + "/bin/qmail-smtpd");
        assertThat(Files.readString(home.resolve("supervise/qmail-send/log/run"))).contains("setuidgid qmaill").contains("multilog t " + prefix.resolve("var/log/qmail/qmail-send"));
        assertThat(Files.readSymbolicLink(home.resolve("service/qmail-send"))).isEqualTo(home.toRealPath().resolve("supervise/qmail-send"));
        assertThat(Files.getOwner(prefix.resolve("var/log/qmail/qmail-smtpd")).getName()).isEqualTo("qmaill");

        // SENDMAIL.md: ours in place, the previous one kept aside.
        assertThat(Files.readSymbolicLink(prefix.resolve("usr/sbin/sendmail"))).isEqualTo(home.toRealPath().resolve("bin/sendmail"));
        assertThat(Files.readSymbolicLink(prefix.resolve("usr/lib/sendmail"))).isEqualTo(home.toRealPath().resolve("bin/sendmail"));
        assertThat(Files.readString(prefix.resolve("usr/sbin/sendmail.pre-qmail"))).contains("previous MTA");
        assertThat(Files.readString(prefix.resolve("etc/systemd/system/qmail.service"))).contains("ExecStart=" + home.toRealPath() + "/bin/svscan " + home.toRealPath() + "/service");
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
        assertThat(prefix.resolve("var/log/qmail/qmail-send")).doesNotExist();
        for (var e : before.entrySet()) assertThat(exists("passwd", e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        assertThat(exists("group", "qmail")).isEqualTo(qmailGroupBefore);
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
        assertThat(prefix.resolve("usr/sbin/sendmail")).doesNotExist();
    }
}
