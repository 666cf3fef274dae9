package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qmailj.common.sys.Passwd;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * RCPTCHECK with real passwd accounts (qmail-getpw's rules) and with qmail-smtpd running as
 * an unprivileged user, as qmaild does: the standalone qmail-smtpd as uid 65534 (setpriv),
 * fed a pipelined session on fd 0, RCPTCHECK in its environment. Its answers are compared
 * with local delivery done as qmail-lspawn does it (as root). A home qmail-smtpd may not
 * stat is accepted: root might find the user there, so refusing would be a false 550.
 */
@RootOnly
class RecipientCheckRootTest {
    static final String SFX = Long.toString(ProcessHandle.current().pid() % 100000);
    static final String USER = "qjrc" + SFX;
    static final String LOCKED = "qjrl" + SFX;
    static final int NOBODY = 65534;

    Path base;
    RcptFixture f;

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createTempDirectory("qjrcpt");
        Files.setAttribute(base, "unix:mode", 0755);
        for (Path q = base.getParent(); q != null; q = q.getParent()) q.toFile().setExecutable(true, false);
        f = new RcptFixture(base);
        useradd(USER, base.resolve("homes/" + USER));
        Path foo = base.resolve("homes/" + USER + "/.qmail-foo");
        Files.writeString(foo, "./Maildir/\n");
        Passwd.PasswdEntry pw = Passwd.getpwnam(USER).orElseThrow();
        Files.setAttribute(foo, "unix:uid", pw.uid());
        Files.setAttribute(foo, "unix:mode", 0644);
        for (String d : List.of("Maildir", "Maildir/tmp", "Maildir/new", "Maildir/cur")) {
            Files.createDirectories(base.resolve("homes/" + USER + "/" + d));
        }
        // A home below a directory only root may search.
        Path locked = Files.createDirectories(base.resolve("locked"));
        useradd(LOCKED, locked.resolve(LOCKED));
        Files.createDirectories(locked.resolve(LOCKED + "/Maildir/new"));
        Files.createDirectories(locked.resolve(LOCKED + "/Maildir/cur"));
        Files.createDirectories(locked.resolve(LOCKED + "/Maildir/tmp"));
        Files.setAttribute(locked, "unix:mode", 0700);
        // A users/cdb home only root may search.
        Files.setAttribute(base.resolve("homes/dave"), "unix:mode", 0700);
    }

    @AfterEach
    void tearDown() throws IOException {
        for (String u : List.of(USER, LOCKED)) {
            Cmd.run(List.of("userdel", "-r", "-f", u));
            Cmd.run(List.of("groupdel", u));
        }
        Cmd.run(List.of("rm", "-rf", base.toString()));
    }

    static void useradd(String name, Path home) throws IOException {
        Cmd.run(List.of("userdel", "-r", "-f", name));
        Cmd.run(List.of("groupdel", name));
        Cmd.Result r = Cmd.run(List.of("useradd", "-m", "-d", home.toString(), "-s", "/bin/sh", "-U", name));
        assertThat(r.exit()).as(r.toString()).isZero();
        Files.setAttribute(home, "unix:mode", 0755);
    }

    @Test
    void unprivilegedSmtpdAgreesWithDeliveryAndNeverRefusesWhatItCannotSee() throws Exception {
        String d = "@" + RcptFixture.DOMAIN;
        // address -> {RCPT reply code as qmaild, local delivery's first report letter, bounced for no mailbox}
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put(USER + d, "250 K");
        expected.put(USER.toUpperCase() + "-Foo" + d, "250 K");
        expected.put(USER + "-foo" + d, "250 K");
        expected.put(USER + "-bar" + d, "550 D nomailbox");
        expected.put("qjnobody" + d, "550 D nomailbox");
        expected.put("alice-lists" + d, "250 K");
        // Homes qmaild cannot search: accepted, whatever delivery (as root) then does.
        expected.put(LOCKED + d, "250 K");
        expected.put(LOCKED + "-bar" + d, "250 D nomailbox");
        expected.put("dave-x" + d, "550 D nomailbox"); // dave-x is the alias user's (no wildcard for dave)
        expected.put("dave" + d, "250 K");

        StringBuilder session = new StringBuilder("HELO client.example\r\nMAIL FROM:<sender@remote.example>\r\n");
        for (String a : expected.keySet()) session.append("RCPT TO:<").append(a).append(">\r\n");
        session.append("QUIT\r\n");
        Map<String, String> env = f.test.env("RCPTCHECK", "1");
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups", "--", System.getProperty("java.home") + "/bin/java", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp", publicClasspath(base.resolve("cp")),
                "-Dqmail.home=" + f.home, "org.qmailj.smtpd.QmailSmtpd"));
        Cmd.Result r = Cmd.run(cmd, env, null, session.toString().getBytes(StandardCharsets.ISO_8859_1), 60);
        String out = new String(r.stdout(), StandardCharsets.ISO_8859_1);
        assertThat(r.exit()).as(out + new String(r.stderr(), StandardCharsets.ISO_8859_1)).isZero();
        List<String> replies = out.lines().toList();
        assertThat(replies).hasSize(expected.size() + 4);

        Path msg = base.resolve("message");
        Files.writeString(msg, "Subject: test\n\nhello\n");
        int i = 3;
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String report = RecipientCheckDeliveryTest.deliver(f.test.home(), msg, e.getKey());
            boolean bounced = report.startsWith("D") && report.contains("no mailbox here by that name");
            String got = replies.get(i++).substring(0, 3) + " " + report.charAt(0) + (bounced ? " nomailbox" : "");
            assertThat(got).as("%s: %s / %s", e.getKey(), replies.get(i - 1), report).isEqualTo(e.getValue());
            if (got.startsWith("550")) assertThat(replies.get(i - 1)).isEqualTo(RecipientCheck.NO_MAILBOX.text());
        }
    }

    /** qmail-common's and qmail-smtpd's classes where uid 65534 can read them (the originals may be below /root). */
    static String publicClasspath(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        int n = 0;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path src = Path.of(e);
            String s = src.toString();
            boolean ours = s.contains("qmail-common") || s.contains("qmail-smtpd");
            if (!ours || s.contains("test-classes") || s.endsWith("-tests.jar") || !Files.exists(src)) continue;
            Path dst = dir.resolve((n++) + "-" + src.getFileName());
            try (Stream<Path> w = Files.walk(src)) {
                for (Path p : w.toList()) {
                    Path t = Files.isDirectory(src) ? dst.resolve(src.relativize(p).toString()) : dst;
                    if (Files.isDirectory(p)) Files.createDirectories(t);
                    else Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            out.add(dst.toString());
        }
        try (Stream<Path> w = Files.walk(dir)) {
            for (Path p : w.toList()) {
                p.toFile().setReadable(true, false);
                if (Files.isDirectory(p)) p.toFile().setExecutable(true, false);
            }
        }
        return String.join(File.pathSeparator, out);
    }
}
