package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIZE (RFC 1870) and SMTPUTF8 (RFC 6531) on MAIL FROM. */
class EsmtpParamsTest {
    @TempDir
    Path dir;

    @Test
    void sizeAboveDatabytesIsRefusedAtMail() throws Exception {
        TestHome h = new TestHome(dir);
        h.control("rcpthosts", "test.example");
        h.control("databytes", "1000");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("EHLO x\r\n").reply()).contains("\r\n250-SIZE 1000\r\n");
            assertThat(c.send("MAIL FROM:<a@b> SIZE=1001\r\n").reply())
                    .isEqualTo("552 sorry, that message size exceeds my databytes limit (#5.3.4)\r\n");
            assertThat(c.send("RCPT TO:<x@test.example>\r\n").reply()).isEqualTo("503 MAIL first (#5.5.1)\r\n");
            assertThat(c.send("MAIL FROM:<a@b> size=99999999999999999999999\r\n").reply()).startsWith("552 ");
            assertThat(c.send("MAIL FROM:<a@b> BODY=8BITMIME SIZE=1000\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("MAIL FROM:<a@b> SIZE=abc\r\n").reply()).as("not a number: ignored").isEqualTo("250 ok\r\n");
            assertThat(c.send("MAIL FROM:<\"a> SIZE=5000\"@b> SIZE=10\r\n").reply())
                    .as("a quoted > is part of the address").isEqualTo("250 ok\r\n");
        }
        h.control("databytes", "0");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("EHLO x\r\n").reply()).contains("\r\n250-SIZE\r\n");
            assertThat(c.send("MAIL FROM:<a@b> SIZE=999999999999\r\n").reply()).isEqualTo("250 ok\r\n");
        }
    }

    @Test
    void utf8AddressesReachTheEnvelopeAsUtf8Bytes() throws Exception {
        TestHome h = new TestHome(dir);
        h.control("rcpthosts", "test.example");
        byte[] session = ("EHLO x\r\nMAIL FROM:<jörg@bücher.example> SMTPUTF8\r\nRCPT TO:<δοκιμή@test.example>\r\nDATA\r\n"
                + "Subject: ünïcödé\r\n\r\nbody\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.UTF_8);
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.out().write(session);
            c.out().flush();
            assertThat(c.rest()).contains("250 SMTPUTF8\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n250 ok ");
        }
        Path env;
        try (Stream<Path> s = Files.list(h.qq)) {
            env = s.filter(p -> p.toString().endsWith(".env")).findFirst().orElseThrow();
        }
        assertThat(Files.readAllBytes(env)).isEqualTo("Fjörg@bücher.example\0Tδοκιμή@test.example\0\0".getBytes(StandardCharsets.UTF_8));
        List<TestHome.Queued> q = h.queued();
        assertThat(q.get(0).message()).contains(" with UTF8SMTP; ");
        assertThat(new String(q.get(0).message().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8))
                .contains("\nSubject: ünïcödé\n");
    }

    @Test
    void parameters() {
        assertThat(MailParams.parse("FROM:<a@b> SIZE=12 SMTPUTF8")).isEqualTo(new MailParams(java.util.OptionalLong.of(12), true));
        assertThat(MailParams.parse("FROM:<a@b> smtputf8 AUTH=<>")).isEqualTo(new MailParams(java.util.OptionalLong.empty(), true));
        assertThat(MailParams.parse("FROM:a@b SIZE=12")).isEqualTo(MailParams.NONE);
        assertThat(MailParams.parse("FROM:<a\\>b@c SMTPUTF8>")).isEqualTo(MailParams.NONE);
    }
}
