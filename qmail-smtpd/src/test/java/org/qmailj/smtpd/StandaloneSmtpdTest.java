package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/** bin/qmail-smtpd as inetd or ucspi-tcp runs it: the connection on fds 0 and 1. */
class StandaloneSmtpdTest {
    @TempDir
    Path dir;

    static Cmd.Result run(TestHome h, Map<String, String> env, String input) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return Cmd.run(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                        "-Dqmail.home=" + h.root, "org.qmailj.smtpd.QmailSmtpd"),
                env, null, input.getBytes(StandardCharsets.ISO_8859_1), 60);
    }

    @Test
    void sessionOnStdinStdout() throws Exception {
        TestHome h = new TestHome(dir).control("rcpthosts", "test.example");
        Cmd.Result r = run(h, h.env("TCPREMOTEHOST", "c.example"),
                "HELO c.example\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nRCPT TO:<x@else>\r\n"
                + "DATA\r\nhi\r\n.\r\nQUIT\r\n");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).matches("220 test.example ESMTP\r\n250 test.example\r\n250 ok\r\n250 ok\r\n"
                + "553 sorry, that domain isn't in my list of allowed rcpthosts \\(#5.7.1\\)\r\n"
                + "354 go ahead\r\n250 ok \\d+ qp \\d+\r\n221 test.example\r\n");
        assertThat(h.queued()).hasSize(1);
        assertThat(h.queued().get(0).message()).startsWith("Received: from c.example (127.0.0.1)\n  by 127.0.0.1 with SMTP; ");
    }

    @Test
    void underDebiansTcpserver() throws Exception {
        TestHome h = new TestHome(dir).control("rcpthosts", "test.example");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = org.qmailj.testing.DefaultSignals.builder("/usr/bin/tcpserver", "-1", "-R", "-H", "-l", "mx.example", "127.0.0.1", "0",
                java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "-Dqmail.home=" + h.root, "org.qmailj.smtpd.QmailSmtpd");
        pb.environment().put("QMAILQUEUE", h.stub.toString());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try {
            String port = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
            try (SmtpClient c = new SmtpClient(new java.net.Socket("127.0.0.1", Integer.parseInt(port.trim())))) {
                assertThat(c.reply()).isEqualTo("220 test.example ESMTP\r\n");
                c.send("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
                assertThat(c.reply() + c.reply() + c.reply() + c.reply())
                        .isEqualTo("250-test.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE\r\n250 SMTPUTF8\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n");
                assertThat(c.send("hi\r\n.\r\n").reply()).matches("250 ok \\d+ qp \\d+\r\n");
                assertThat(c.send("QUIT\r\n").rest()).isEqualTo("221 test.example\r\n");
            }
        } finally {
            p.destroy();
        }
        assertThat(h.queued()).hasSize(1);
        assertThat(h.queued().get(0).message()).startsWith("Received: from unknown (HELO x) (127.0.0.1)\n  by mx.example with SMTP; ");
    }

    @Test
    void qmqpdAndQmtpdOnStdinStdout() throws Exception {
        TestHome h = new TestHome(dir).control("rcpthosts", "test.example");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        String body = "3:hi\n,3:a@b,14:c@test.example,";
        Cmd.Result qmqp = Cmd.run(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp, "-Dqmail.home=" + h.root,
                "org.qmailj.smtpd.QmailQmqpd"), h.env(), null, (body.length() + ":" + body + ",").getBytes(), 60);
        assertThat(qmqp.exit()).isZero();
        assertThat(qmqp.out()).matches("\\d+:Kok \\d+ qp \\d+,");
        Cmd.Result qmtp = Cmd.run(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp, "-Dqmail.home=" + h.root,
                "org.qmailj.smtpd.QmailQmtpd"), h.env(), null, "4:\nhi\n,3:a@b,24:14:c@test.example,3:x@y,,".getBytes(), 60);
        assertThat(qmtp.exit()).isZero();
        assertThat(qmtp.out()).matches("\\d+:Kok \\d+ qp \\d+,66:Dsorry, that domain isn't in my list of allowed rcpthosts \\(#5.7.1\\),");
        assertThat(h.queued()).hasSize(2);
    }

    @Test
    void endOfInputExitsOneAndQueuesNothing() throws Exception {
        TestHome h = new TestHome(dir);
        Cmd.Result r = run(h, h.env(), "MAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\nDATA\r\nhalf a message\r\n");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("220 test.example ESMTP\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n");
        assertThat(h.queued()).isEmpty();
        assertThat(h.leftovers()).isEmpty();
    }

    @Test
    void timeoutOnStdin() throws Exception {
        TestHome h = new TestHome(dir).control("timeoutsmtpd", "1");
        // stdin stays open (nothing written, not closed) until qmail-smtpd has timed out and
        // exited, however long its JVM takes to start.
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = org.qmailj.testing.DefaultSignals.builder(javaBin, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "-Dqmail.home=" + h.root, "org.qmailj.smtpd.QmailSmtpd");
        pb.environment().putAll(h.env());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try (var stdin = p.getOutputStream()) {
            var stdout = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("qmail-smtpd timed out and exited").isTrue();
            byte[] out = stdout.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(new String(out, java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("220 test.example ESMTP\r\n451 timeout (#4.4.2)\r\n");
            assertThat(p.exitValue()).isEqualTo(1);
        } finally {
            p.destroyForcibly().waitFor();
        }
    }
}
