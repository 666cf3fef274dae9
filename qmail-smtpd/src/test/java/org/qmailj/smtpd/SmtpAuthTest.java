package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/** AUTH (RFC 4954) through a checkpassword program, and submission (RFC 6409). */
class SmtpAuthTest {
    @TempDir
    Path dir;

    private TestHome home(boolean tls) throws Exception {
        TestHome h = new TestHome(dir);
        h.control("rcpthosts", "test.example");
        if (tls) TlsFixture.installCertificate(h, dir);
        h.control("authprogram", TlsFixture.checkpassword(dir, dir.resolve("users")) + " /bin/true");
        return h;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Map<String, String> path() {
        return Map.of("PATH", System.getenv("PATH"));
    }

    @Test
    void offeredOnlyAfterTlsUnlessAuthWithoutTls() throws Exception {
        TestHome h = home(true);
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("EHLO x\r\n").reply()).doesNotContain("AUTH");
            assertThat(c.send("AUTH PLAIN " + b64("\0alice\0secret") + "\r\n").reply())
                    .isEqualTo("503 auth not available (#5.3.3)\r\n");
            c.send("STARTTLS\r\n").reply();
            try (SmtpClient t = new SmtpClient(TlsFixture.clientTls(c.socket))) {
                assertThat(t.send("EHLO x\r\n").reply()).endsWith("250-SMTPUTF8\r\n250 AUTH PLAIN LOGIN\r\n");
                assertThat(t.send("AUTH CRAM-MD5\r\n").reply()).isEqualTo("504 auth type unimplemented (#5.5.1)\r\n");
                assertThat(t.send("AUTH PLAIN\r\n").reply()).isEqualTo("334 \r\n");
                assertThat(t.send(b64("\0alice\0secret") + "\r\n").reply()).isEqualTo("235 ok, go ahead (#2.0.0)\r\n");
                assertThat(t.send("AUTH PLAIN " + b64("\0alice\0secret") + "\r\n").reply())
                        .isEqualTo("503 you're already authenticated (#5.5.0)\r\n");
            }
        }
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env("AUTH_WITHOUT_TLS", "1")); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("EHLO x\r\n").reply()).endsWith("250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n");
            assertThat(c.send("AUTH LOGIN\r\n").reply()).isEqualTo("334 VXNlcm5hbWU6\r\n");
            assertThat(c.send(b64("alice") + "\r\n").reply()).isEqualTo("334 UGFzc3dvcmQ6\r\n");
            assertThat(c.send(b64("secret") + "\r\n").reply()).isEqualTo("235 ok, go ahead (#2.0.0)\r\n");
        }
        h.control("authprogram", "");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env("AUTH_WITHOUT_TLS", "1")); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("EHLO x\r\n").reply()).as("no checkpassword program").doesNotContain("AUTH");
        }
    }

    /** A success relays to a domain outside rcpthosts and names the user in the Received line. */
    @Test
    void swaksAuthRelays() throws Exception {
        TestHome h = home(true);
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env())) {
            for (String mech : List.of("PLAIN", "LOGIN")) {
                Cmd.Result r = Cmd.run(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(srv.port()),
                        "--tls", "--auth", mech, "--auth-user", "alice", "--auth-password", "secret",
                        "--from", "alice@example.net", "--to", "friend@elsewhere.example", "--helo", "laptop.example"),
                        path(), null, new byte[0], 60);
                assertThat(r.exit()).as(r.toString()).isZero();
                assertThat(r.out()).contains("<~  235 ok, go ahead (#2.0.0)");
            }
            Cmd.Result bad = Cmd.run(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(srv.port()),
                    "--tls", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "guess",
                    "--from", "alice@example.net", "--to", "friend@elsewhere.example"), path(), null, new byte[0], 60);
            assertThat(bad.exit()).isNotZero();
            assertThat(bad.out()).contains("<~* 535 authentication failed (#5.7.1)");
        }
        List<TestHome.Queued> q = h.queued();
        assertThat(q).hasSize(2);
        for (TestHome.Queued m : q) {
            assertThat(m.envelope()).isEqualTo("Falice@example.net\0Tfriend@elsewhere.example\0\0");
            assertThat(m.message()).startsWith("Received: from unknown (HELO laptop.example) (127.0.0.1)\n  by 127.0.0.1 with ESMTPSA (TLSv1.3 cipher TLS_")
                    .containsPattern("\\) \\(AUTH: alice\\); ");
        }
        assertThat(Files.readAllLines(dir.resolve("users"))).containsExactly("alice", "alice", "alice");
    }

    @Test
    void pythonSmtplibLogin() throws Exception {
        TestHome h = home(true);
        Path script = dir.resolve("client.py");
        Files.writeString(script, """
                import smtplib, ssl, sys
                s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                s.starttls(context=ctx)
                try:
                    s.login('alice', 'wrong')
                except smtplib.SMTPAuthenticationError as e:
                    print('refused', e.smtp_code)
                print(s.login('alice', 'secret'))
                print(s.sendmail('alice@example.net', ['x@elsewhere.example'], b'Subject: py\\r\\n\\r\\nbody\\r\\n'))
                s.quit()
                """);
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env())) {
            Cmd.Result py = Cmd.run(List.of("/usr/bin/python3", script.toString(), String.valueOf(srv.port())),
                    path(), null, new byte[0], 60);
            assertThat(py.exit()).as(py.toString()).isZero();
            // smtplib tries PLAIN, then LOGIN, on a refusal: two failures, then a success.
            assertThat(py.out()).isEqualTo("refused 535\n(235, b'ok, go ahead (#2.0.0)')\n{}\n");
        }
        assertThat(h.queued()).hasSize(1);
        assertThat(h.queued().get(0).envelope()).isEqualTo("Falice@example.net\0Tx@elsewhere.example\0\0");
    }

    /** Brute force: three quick failures, then growing delays, and the fifth ends the connection. */
    @Test
    void failuresAreRateLimitedAndEndTheConnection() throws Exception {
        TestHome h = home(false);
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env("AUTH_WITHOUT_TLS", "")); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("AUTH PLAIN " + b64("\0alice\0x") + "\r\n").reply()).isEqualTo("535 authentication failed (#5.7.1)\r\n");
            assertThat(c.send("AUTH PLAIN " + b64("alice\0alice\0y") + "\r\n").reply()).isEqualTo("535 authentication failed (#5.7.1)\r\n");
            assertThat(c.send("AUTH PLAIN " + b64("bob\0alice\0secret") + "\r\n").reply())
                    .as("authzid other than the user").isEqualTo("535 authentication failed (#5.7.1)\r\n");
            assertThat(c.send("AUTH PLAIN !!!\r\n").reply()).isEqualTo("501 malformed auth input (#5.5.4)\r\n");
            assertThat(c.send("AUTH LOGIN\r\n").reply()).isEqualTo("334 VXNlcm5hbWU6\r\n");
            assertThat(c.send("*\r\n").reply()).isEqualTo("501 auth exchange cancelled (#5.0.0)\r\n");
            long t = System.nanoTime();
            assertThat(c.send("AUTH PLAIN " + b64("\0alice\0z") + "\r\n").reply()).isEqualTo("535 authentication failed (#5.7.1)\r\n");
            assertThat((System.nanoTime() - t) / 1_000_000).as("fourth failure delayed").isGreaterThanOrEqualTo(1000);
            t = System.nanoTime();
            c.send("AUTH PLAIN " + b64("\0alice\0secret!") + "\r\n");
            assertThat(c.rest()).isEqualTo("421 too many authentication failures (#4.7.0)\r\n");
            assertThat((System.nanoTime() - t) / 1_000_000).as("fifth failure delayed").isGreaterThanOrEqualTo(2000);
        }
    }

    @Test
    void submissionRequiresAuthBeforeMail() throws Exception {
        TestHome h = home(false);
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env("SUBMISSION", "1", "AUTH_WITHOUT_TLS", "1"));
                SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("MAIL FROM:<alice@example.net>\r\n").reply()).isEqualTo("530 authentication required (#5.7.1)\r\n");
            assertThat(c.send("RCPT TO:<x@test.example>\r\n").reply()).isEqualTo("503 MAIL first (#5.5.1)\r\n");
            assertThat(c.send("AUTH PLAIN " + b64("\0alice\0secret") + "\r\n").reply()).isEqualTo("235 ok, go ahead (#2.0.0)\r\n");
            c.send("MAIL FROM:<alice@example.net>\r\nRCPT TO:<x@elsewhere.example>\r\nDATA\r\n");
            assertThat(c.reply() + c.reply() + c.reply()).isEqualTo("250 ok\r\n250 ok\r\n354 go ahead\r\n");
            assertThat(c.send("Subject: s\r\n\r\nb\r\n.\r\n").reply()).startsWith("250 ok ");
            assertThat(c.send("AUTH PLAIN x\r\n").reply()).isEqualTo("503 you're already authenticated (#5.5.0)\r\n");
        }
        assertThat(h.queued()).hasSize(1);
        assertThat(h.queued().get(0).message()).contains("with ESMTPA (AUTH: alice); ");
    }

    @Test
    void aHangingCheckpasswordIsKilledAtTheTimeout() throws Exception {
        TestHome h = home(false);
        Path hang = dir.resolve("hang");
        Path pid = dir.resolve("hang.pid");
        Files.writeString(hang, "#!/bin/sh\necho $$ > '" + pid + "'\nexec sleep 600\n");
        hang.toFile().setExecutable(true);
        h.control("timeoutsmtpd", "1");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env("AUTH_WITHOUT_TLS", "1", "AUTHPROGRAM", hang.toString()));
                SmtpClient c = srv.connect()) {
            // All at once, so that no read of the session waits: only the program can time out.
            c.send("AUTH PLAIN " + b64("\0alice\0secret") + "\r\nNOOP\r\n");
            assertThat(c.reply()).isEqualTo("220 test.example ESMTP\r\n");
            assertThat(c.reply()).isEqualTo("535 authentication failed (#5.7.1)\r\n");
            assertThat(c.reply()).isEqualTo("250 ok\r\n");
        }
        // Killed and reaped: no such process any more.
        assertThat(Path.of("/proc", Files.readString(pid).trim())).doesNotExist();
    }
}
