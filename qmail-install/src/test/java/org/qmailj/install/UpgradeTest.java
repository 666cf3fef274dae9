package org.qmailj.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Lock;
import org.qmailj.common.sys.Proc;

/**
 * --mta over netqmail and --rollback, as any user: a stand-in tree to install from, a netqmail
 * QMAIL_HOME and a scratch prefix whose etc/passwd maps every qmail user to the invoking one
 * (so every chown is to oneself). packaging's UpgradeIT does it as root with the real tree and
 * delivers the queue.
 */
class UpgradeTest {
    static final String DATE = LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);

    @TempDir Path tmp;
    Path from;
    Path home;
    Path prefix;
    String smtpdRun;

    static void write(Path p, String text, int mode) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.ISO_8859_1);
        Files.setAttribute(p, "unix:mode", mode);
    }

    @BeforeEach
    void layOut() throws IOException {
        from = tmp.resolve("tree");
        for (String p : List.of("qmail-send", "qmail-start", "qmail-queued", "qmail-smtpd", "sendmail", "softlimit")) {
            write(from.resolve("bin").resolve(p), "#!/bin/sh\n# qmail in Java " + p + "\n", 0755);
        }
        write(from.resolve("bin/svc"), "#!/bin/sh\nexit 0\n", 0755);
        write(from.resolve("bin/svok"), "#!/bin/sh\nexit 1\n", 0755); // no supervise runs here
        write(from.resolve("lib/qmail-common.jar"), "jar", 0644);
        write(from.resolve("man/man8/qmail-send.8"), ".TH qmail-send 8 (qmail in Java)\n", 0644);

        prefix = tmp.resolve("root");
        int uid = Proc.getuid();
        int gid = Proc.getgid();
        StringBuilder passwd = new StringBuilder();
        for (String u : List.of("alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails")) {
            passwd.append(u).append(":x:").append(uid).append(':').append(gid).append("::/nonexistent:/usr/sbin/nologin\n");
        }
        write(prefix.resolve("etc/passwd"), passwd.toString(), 0644);
        write(prefix.resolve("etc/group"), "qmail:x:" + gid + ":\nnofiles:x:" + gid + ":\n", 0644);

        home = tmp.resolve("var-qmail");
        for (String p : List.of("qmail-send", "qmail-queue", "qmail-popup", "sendmail")) {
            write(home.resolve("bin").resolve(p), "#!/bin/sh\n# netqmail " + p + "\nexit 111\n", p.equals("qmail-queue") ? 04711 : 0755);
        }
        write(home.resolve("man/cat8/qmail-send.0"), "netqmail's page\n", 0644);
        write(home.resolve("control/me"), "nq.example\n", 0644);
        write(home.resolve("rc"), "#!/bin/sh\nexec env - PATH=\"" + home + "/bin:$PATH\" qmail-start ./Maildir/\n", 0755);
        write(home.resolve("queue/lock/sendmutex"), "", 0600);

        // softlimit's own -m and -d are raised, -a (big enough) and the program's options stay.
        smtpdRun = "#!/bin/sh\nexec /usr/local/bin/softlimit -m 2000000 -a 5000000000 -d 300000 \\\n"
                + "  /usr/local/bin/tcpserver -c 40 -d 0 25 " + home + "/bin/qmail-smtpd 2>&1\n";
        write(prefix.resolve("service/qmail-smtpd/run"), smtpdRun, 0755);
        write(prefix.resolve("service/qmail-send/run"), "#!/bin/sh\nexec " + home + "/rc\n", 0755);
        // A service that runs no qmail program keeps its limit.
        write(prefix.resolve("service/other/run"), "#!/bin/sh\nexec /usr/local/bin/softlimit -m 2000000 /bin/true\n", 0755);
    }

    QmailInstallTest.Run install() {
        return QmailInstallTest.run(from, "--mta", home.toString(), "--prefix=" + prefix, "--no-aot");
    }

    /** Every path below root with mode, owner and content (or link target). */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return m;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
                String v = Integer.toOctalString((Integer) a.get("mode")) + " " + a.get("uid") + ":" + a.get("gid");
                if (Files.isSymbolicLink(p)) v += " -> " + Files.readSymbolicLink(p);
                else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) v += " " + HexFormat.of().formatHex(Files.readAllBytes(p));
                m.put(root.relativize(p).toString(), v);
            }
        }
        return m;
    }

    @Test
    void upgradeSetsNetqmailAsideAndRollbackPutsItBackByteForByte() throws IOException {
        Map<String, String> bin = snapshot(home.resolve("bin"));
        Map<String, String> man = snapshot(home.resolve("man"));
        Map<String, String> service = snapshot(prefix.resolve("service"));

        QmailInstallTest.Run r = install();
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(snapshot(home.resolve("bin.netqmail-" + DATE))).isEqualTo(bin);
        assertThat(snapshot(home.resolve("man.netqmail-" + DATE))).isEqualTo(man);
        assertThat(Files.readString(home.resolve("bin/qmail-send"))).contains("qmail in Java qmail-send");
        assertThat(Files.readString(home.resolve("bin/qmail-queue"))).contains("netqmail qmail-queue"); // not in this tree: kept
        assertThat(Files.readString(home.resolve("bin/qmail-popup"))).contains("netqmail qmail-popup");
        assertThat(home.resolve("bin/qmail-queue")).isExecutable();
        assertThat(Files.readString(prefix.resolve("service/qmail-smtpd/run"))).isEqualTo(smtpdRun
                .replace("-m 2000000 ", "-m 3000000000 ").replace("-d 300000 ", "-d 3000000000 "));
        assertThat(Files.readString(prefix.resolve("service/qmail-smtpd/run.netqmail-" + DATE))).isEqualTo(smtpdRun);
        assertThat(Files.readString(prefix.resolve("service/other/run"))).contains("-m 2000000 /bin/true");
        assertThat(Files.readString(home.resolve("rc"))).endsWith("qmail-start ./Maildir/\n");
        assertThat(Files.readSymbolicLink(prefix.resolve("service/qmail-queued"))).isEqualTo(home.toRealPath().resolve("supervise/qmail-queued"));
        assertThat(Files.readString(home.resolve("supervise/qmail-queued/run"))).contains("/bin/qmail-queued");
        assertThat(Files.readSymbolicLink(prefix.resolve("usr/local/bin/softlimit"))).isEqualTo(home.toRealPath().resolve("bin/softlimit"));
        assertThat(prefix.resolve("usr/local/bin/tcpserver")).as("not in this tree: nothing to link").doesNotExist();
        assertThat(home.resolve("service")).doesNotExist();
        assertThat(prefix.resolve("etc/systemd/system/qmail.service")).doesNotExist();

        // A second run changes nothing and sets nothing more aside.
        Map<String, String> homeAfter = snapshot(home);
        Map<String, String> prefixAfter = snapshot(prefix);
        QmailInstallTest.Run again = install();
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(snapshot(home)).isEqualTo(homeAfter);
        assertThat(snapshot(prefix)).isEqualTo(prefixAfter);

        QmailInstallTest.Run un = QmailInstallTest.run(from, "--uninstall", home.toString());
        assertThat(un.exit()).isEqualTo(100);
        assertThat(un.err()).contains("was upgraded from netqmail: use --rollback");
        assertThat(snapshot(home)).isEqualTo(homeAfter);

        QmailInstallTest.Run back = QmailInstallTest.run(from, "--rollback", home.toString());
        assertThat(back.exit()).as(back.err()).isZero();
        assertThat(snapshot(home.resolve("bin"))).isEqualTo(bin);
        assertThat(snapshot(home.resolve("man"))).isEqualTo(man);
        assertThat(snapshot(prefix.resolve("service"))).isEqualTo(service);
        for (String gone : List.of("lib", "bin.netqmail-" + DATE, "man.netqmail-" + DATE, "supervise/qmail-queued")) {
            assertThat(home.resolve(gone)).as(gone).doesNotExist();
        }
        assertThat(prefix.resolve("usr/local/bin/softlimit")).doesNotExist();
        assertThat(Files.readString(home.resolve("control/me"))).isEqualTo("nq.example\n");

        QmailInstallTest.Run twice = QmailInstallTest.run(from, "--rollback", home.toString());
        assertThat(twice.exit()).isEqualTo(100);
        assertThat(twice.err()).contains("holds no upgrade from netqmail");
    }

    @Test
    void anUpgradeCutShortIsFinishedByRunningItAgain() throws IOException {
        Map<String, String> bin = snapshot(home.resolve("bin"));
        assertThat(install().exit()).isZero();
        // As if the first run had died after setting bin/ aside, before lib/ids: our bin/qmail-send, no ids.
        Files.delete(home.resolve("lib/ids"));
        Files.delete(home.resolve("bin/qmail-popup"));
        QmailInstallTest.Run again = install();
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(home.resolve("bin.netqmail-" + DATE + "-2")).as("ours is not taken for netqmail's").doesNotExist();
        assertThat(home.resolve("lib/ids")).isRegularFile();
        assertThat(Files.readString(home.resolve("bin/qmail-popup"))).contains("netqmail qmail-popup");
        assertThat(QmailInstallTest.run(from, "--rollback", home.toString()).exit()).isZero();
        assertThat(snapshot(home.resolve("bin"))).isEqualTo(bin);
    }

    @Test
    void neitherUpgradeNorRollbackWhileQmailSendHoldsTheMutex() throws IOException {
        Map<String, String> before = snapshot(home);
        Optional<Lock> held = Lock.tryExclusive(home.resolve("queue/lock/sendmutex"));
        assertThat(held).isPresent();
        try (Lock l = held.get()) {
            QmailInstallTest.Run r = install();
            assertThat(r.exit()).isEqualTo(111);
            assertThat(r.err()).contains("qmail-send is running").contains("svc -d /service/qmail-send");
            assertThat(snapshot(home.resolve("bin"))).isEqualTo(subtree(before, "bin"));
            assertThat(home.resolve("bin.netqmail-" + DATE)).doesNotExist();
        }
        assertThat(install().exit()).isZero();
        Map<String, String> upgraded = snapshot(home);
        try (Lock l = Lock.tryExclusive(home.resolve("queue/lock/sendmutex")).orElseThrow()) {
            QmailInstallTest.Run r = QmailInstallTest.run(from, "--rollback", home.toString());
            assertThat(r.exit()).isEqualTo(111);
            assertThat(r.err()).contains("qmail-send is running");
            assertThat(snapshot(home)).isEqualTo(upgraded);
        }
    }

    @Test
    void withoutAServiceDirectoryTheUpgradeIsRefusedBeforeAnythingMoves() throws IOException {
        Map<String, String> bin = snapshot(home.resolve("bin"));
        Files.walk(prefix.resolve("service")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        QmailInstallTest.Run r = install();
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.err()).contains("holds netqmail but no " + prefix.resolve("service"));
        assertThat(snapshot(home.resolve("bin"))).isEqualTo(bin);
        assertThat(home.resolve("bin.netqmail-" + DATE)).doesNotExist();
    }

    private static Map<String, String> subtree(Map<String, String> all, String dir) {
        Map<String, String> m = new TreeMap<>();
        all.forEach((k, v) -> {
            if (k.equals(dir)) m.put("", v);
            else if (k.startsWith(dir + "/")) m.put(k.substring(dir.length() + 1), v);
        });
        return m;
    }
}
