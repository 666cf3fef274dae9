package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/** STARTTLS (RFC 3207) against our own TLS client, openssl s_client, swaks and Python's smtplib. */
class StarttlsTest {
    @TempDir
    Path dir;

    private TestHome home() throws Exception {
        TestHome h = new TestHome(dir);
        h.control("rcpthosts", "test.example");
        TlsFixture.installCertificate(h, dir);
        return h;
    }

    private static Map<String, String> path() {
        return Map.of("PATH", System.getenv("PATH"));
    }

    @Test
    void offeredOnlyWithACertificateAndOnlyBeforeTls() throws Exception {
        TestHome h = new TestHome(dir);
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("EHLO x\r\n").reply()).doesNotContain("STARTTLS");
            assertThat(c.send("STARTTLS\r\n").reply()).isEqualTo("454 TLS not available (#4.3.0)\r\n");
        }
        h.control("servercert.pem", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("EHLO x\r\n").reply()).as("unusable certificate").doesNotContain("STARTTLS");
        }
        Files.delete(h.root.resolve("control/servercert.pem"));
        TlsFixture.installCertificate(h, dir);
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("EHLO x\r\n").reply())
                    .isEqualTo("250-test.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE\r\n250-SMTPUTF8\r\n250 STARTTLS\r\n");
            assertThat(c.send("STARTTLS now\r\n").reply()).isEqualTo("501 Syntax error (no parameters allowed) (#5.5.4)\r\n");
            assertThat(c.send("STARTTLS\r\n").reply()).isEqualTo("220 ready for tls\r\n");
            try (SmtpClient t = new SmtpClient(TlsFixture.clientTls(c.socket))) {
                assertThat(t.send("EHLO x\r\n").reply()).doesNotContain("STARTTLS").endsWith("250 SMTPUTF8\r\n");
                assertThat(t.send("STARTTLS\r\n").reply()).isEqualTo("502 unimplemented (#5.5.1)\r\n");
                assertThat(t.send("QUIT\r\n").reply()).isEqualTo("221 test.example\r\n");
            }
        }
    }

    /**
     * CVE-2011-0411: commands sent in the same packet as STARTTLS, in plain text, must not be
     * run inside the TLS session. If they were, RCPT would find MAIL done (250) and the first
     * reply inside TLS would be RSET's.
     */
    @Test
    void commandsPipelinedAfterStarttlsAreDiscarded() throws Exception {
        TestHome h = home();
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("EHLO x\r\n").reply();
            c.send("MAIL FROM:<before@tls.example>\r\n");
            assertThat(c.reply()).isEqualTo("250 ok\r\n");
            c.send("STARTTLS\r\nRSET\r\nMAIL FROM:<evil@attacker.example>\r\n");
            assertThat(c.reply()).isEqualTo("220 ready for tls\r\n");
            try (SmtpClient t = new SmtpClient(TlsFixture.clientTls(c.socket))) {
                assertThat(t.send("RCPT TO:<a@test.example>\r\n").reply()).isEqualTo("503 MAIL first (#5.5.1)\r\n");
                assertThat(t.send("NOOP\r\n").reply()).isEqualTo("250 ok\r\n");
                t.send("MAIL FROM:<good@example.net>\r\nRCPT TO:<a@test.example>\r\nDATA\r\n");
                assertThat(t.reply() + t.reply() + t.reply()).isEqualTo("250 ok\r\n250 ok\r\n354 go ahead\r\n");
                assertThat(t.send("Subject: t\r\n\r\nbody\r\n.\r\n").reply()).startsWith("250 ok ");
                t.send("QUIT\r\n").reply();
            }
        }
        List<TestHome.Queued> q = h.queued();
        assertThat(q).hasSize(1);
        assertThat(q.get(0).envelope()).isEqualTo("Fgood@example.net\0Ta@test.example\0\0");
        // HELO x came before TLS and was forgotten with it: no "(HELO x)" in the trace line.
        assertThat(q.get(0).message()).matches("(?s)Received: from unknown \\(127\\.0\\.0\\.1\\)\n  by 127\\.0\\.0\\.1 with ESMTPS "
                + "\\(TLSv1\\.3 cipher TLS_[A-Z0-9_]+\\); .*");
    }

    @Test
    void opensslSClientTls12And13() throws Exception {
        TestHome h = home();
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env())) {
            for (String version : List.of("-tls1_2", "-tls1_3")) {
                Cmd.Result r = Cmd.run(List.of("openssl", "s_client", "-starttls", "smtp", "-crlf", "-brief", "-ign_eof", version,
                        "-connect", "127.0.0.1:" + srv.port()), path(), null,
                        "MAIL FROM:<s@client.example>\nRCPT TO:<b@test.example>\nDATA\nSubject: s_client\n\nhi\n.\nQUIT\n"
                                .getBytes(), 60);
                assertThat(r.out() + r.err()).as(r.toString())
                        .contains("Protocol version: " + (version.equals("-tls1_2") ? "TLSv1.2" : "TLSv1.3"))
                        .contains("354 go ahead").contains("221 test.example");
            }
        }
        List<TestHome.Queued> q = h.queued();
        assertThat(q).hasSize(2);
        assertThat(q.get(0).message()).contains("with ESMTPS (TLSv1.2 cipher TLS_ECDHE_RSA_WITH_");
        assertThat(q.get(1).message()).contains("with ESMTPS (TLSv1.3 cipher TLS_");
    }

    @Test
    void tlsserverciphersLimitsTls12Suites() throws Exception {
        TestHome h = home();
        h.control("tlsserverciphers", "HIGH:!aNULL:ECDHE-RSA-AES128-GCM-SHA256");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env())) {
            Cmd.Result r = Cmd.run(List.of("openssl", "s_client", "-starttls", "smtp", "-crlf", "-brief", "-tls1_2",
                    "-connect", "127.0.0.1:" + srv.port()), path(), null, "QUIT\n".getBytes(), 60);
            assertThat(r.out() + r.err()).as(r.toString()).contains("Ciphersuite: ECDHE-RSA-AES128-GCM-SHA256");
        }
    }

    @Test
    void swaksAndPythonSmtplib() throws Exception {
        TestHome h = home();
        Path script = dir.resolve("client.py");
        Files.writeString(script, """
                import smtplib, ssl, sys
                s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
                s.ehlo('py.example')
                print('starttls offered', s.has_extn('starttls'))
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                print(s.starttls(context=ctx))
                s.ehlo('py.example')
                print('starttls again', s.has_extn('starttls'))
                print(s.sendmail('py@example.net', ['c@test.example'], b'Subject: py\\r\\n\\r\\nbody\\r\\n'))
                s.quit()
                """);
        double tlsBefore = tlsSessions();
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env())) {
            Cmd.Result swaks = Cmd.run(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(srv.port()),
                    "--tls", "--from", "sw@example.net", "--to", "d@test.example", "--helo", "sw.example"),
                    path(), null, new byte[0], 60);
            assertThat(swaks.exit()).as(swaks.toString()).isZero();
            assertThat(swaks.out()).contains("<-  220 ready for tls").contains("=== TLS started with cipher");
            Cmd.Result py = Cmd.run(List.of("/usr/bin/python3", script.toString(), String.valueOf(srv.port())),
                    path(), null, new byte[0], 60);
            assertThat(py.exit()).as(py.toString()).isZero();
            assertThat(py.out()).isEqualTo("starttls offered True\n(220, b'ready for tls')\nstarttls again False\n{}\n");
        }
        List<TestHome.Queued> q = h.queued();
        assertThat(q).hasSize(2);
        assertThat(q.get(0).message()).contains("(HELO sw.example)").contains("with ESMTPS (TLSv1.3 cipher TLS_");
        assertThat(q.get(1).envelope()).isEqualTo("Fpy@example.net\0Tc@test.example\0\0");
        // /metrics' TLS share: both handshakes counted (other tests of this JVM may add theirs).
        assertThat(tlsSessions() - tlsBefore).isGreaterThanOrEqualTo(2);
    }

    private static double tlsSessions() {
        return SmtpdMetrics.render().lines().filter(l -> l.startsWith("qmail_smtpd_tls_sessions_total "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
    }

    /**
     * A client that sends STARTTLS and then nothing, and one that stops in the middle of its
     * ClientHello, each cost their own connection only: both are closed at timeoutsmtpd while
     * another client's TLS session goes on meanwhile.
     */
    @Test
    void stalledHandshakesTimeOutAlone() throws Exception {
        TestHome h = home();
        h.control("timeoutsmtpd", "2");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env());
                SmtpClient silent = srv.connect(); SmtpClient halfHello = srv.connect()) {
            silent.reply();
            halfHello.reply();
            // Before the server can start waiting for the handshake: it cannot time out sooner than 2 s after this.
            long start = System.nanoTime();
            assertThat(silent.send("STARTTLS\r\n").reply()).isEqualTo("220 ready for tls\r\n");
            assertThat(halfHello.send("STARTTLS\r\n").reply()).isEqualTo("220 ready for tls\r\n");
            halfHello.out().write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x60, 0x01, 0x00});
            halfHello.out().flush();
            try (SmtpClient c = srv.connect()) {
                c.reply();
                c.send("STARTTLS\r\n").reply();
                try (SmtpClient t = new SmtpClient(TlsFixture.clientTls(c.socket))) {
                    t.send("MAIL FROM:<a@b>\r\nRCPT TO:<e@test.example>\r\nDATA\r\n");
                    assertThat(t.reply() + t.reply() + t.reply()).isEqualTo("250 ok\r\n250 ok\r\n354 go ahead\r\n");
                    assertThat(t.send("\r\nx\r\n.\r\n").reply()).startsWith("250 ok ");
                }
            }
            for (SmtpClient stalled : List.of(silent, halfHello)) {
                InputStream in = stalled.socket.getInputStream();
                assertThat(in.read()).isEqualTo(-1);
            }
            assertThat((System.nanoTime() - start) / 1_000_000).as("closed by the timeout").isGreaterThanOrEqualTo(1500);
        }
        assertThat(h.queued()).hasSize(1);
    }

    @Test
    void handshakeFailureEndsOnlyThatConnection() throws Exception {
        TestHome h = home();
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("STARTTLS\r\n").reply();
            c.send("this is not a TLS record\r\n");
            // At most the JDK's TLS alert, never an SMTP reply.
            assertThat(c.rest()).doesNotContainPattern("[0-9]{3}[ -]");
            CompletableFuture<Integer> exit = srv.exits.peek();
            assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            try (SmtpClient d = srv.connect()) {
                assertThat(d.reply()).isEqualTo("220 test.example ESMTP\r\n");
            }
        }
    }

    @Test
    void pemKeyFormats() throws Exception {
        for (String kind : List.of("rsa", "rsa-traditional", "ec")) {
            Path pem = TlsFixture.certificate(dir.resolve("pem"), kind);
            String text = Files.readString(pem);
            assertThat(text).contains(switch (kind) {
                case "rsa" -> "-----BEGIN PRIVATE KEY-----";
                case "rsa-traditional" -> "-----BEGIN RSA PRIVATE KEY-----";
                default -> "-----BEGIN EC PRIVATE KEY-----";
            });
            org.qmailj.common.tls.Pem p = org.qmailj.common.tls.Pem.parse(text);
            assertThat(p.chain()).hasSize(1);
            assertThat(p.key().getAlgorithm()).isEqualTo(kind.startsWith("rsa") ? "RSA" : "EC");
            // And the key really goes with the certificate: a handshake works with it.
            TestHome h = new TestHome(dir.resolve(kind));
            Files.copy(pem, h.root.resolve("control/servercert.pem"));
            try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
                c.reply();
                assertThat(c.send("STARTTLS\r\n").reply()).isEqualTo("220 ready for tls\r\n");
                SSLSocket s = TlsFixture.clientTls(c.socket);
                assertThat(new SmtpClient(s).send("NOOP\r\n").reply()).isEqualTo("250 ok\r\n");
                s.close();
            }
        }
    }

    /** A key that does not go with the certificate: STARTTLS is not offered (every handshake would fail). */
    @Test
    void mismatchedKeyAndCertificate() throws Exception {
        String rsa = Files.readString(TlsFixture.certificate(dir.resolve("a"), "rsa"));
        String other = Files.readString(TlsFixture.certificate(dir.resolve("b"), "rsa"));
        String key = rsa.substring(0, rsa.indexOf("-----BEGIN CERTIFICATE-----"));
        String cert = other.substring(other.indexOf("-----BEGIN CERTIFICATE-----"));
        TestHome h = new TestHome(dir);
        h.control("servercert.pem", key + cert);
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("EHLO x\r\n").reply()).doesNotContain("STARTTLS");
        }
        h.control("servercert.pem", cert + rsa);
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("EHLO x\r\n").reply()).as("the first certificate is the server's").doesNotContain("STARTTLS");
        }
        h.control("servercert.pem", rsa);
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("EHLO x\r\n").reply()).contains("STARTTLS");
        }
    }

    @Test
    void opensslCipherNames() {
        assertThat(TlsCiphers.fromOpenssl("ECDHE-RSA-AES256-GCM-SHA384")).isEqualTo("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        assertThat(TlsCiphers.fromOpenssl("ECDHE-ECDSA-CHACHA20-POLY1305")).isEqualTo("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
        assertThat(TlsCiphers.fromOpenssl("DHE-RSA-AES128-SHA256")).isEqualTo("TLS_DHE_RSA_WITH_AES_128_CBC_SHA256");
        assertThat(TlsCiphers.fromOpenssl("ECDHE-RSA-AES128-SHA")).isEqualTo("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
        assertThat(TlsCiphers.fromOpenssl("HIGH")).isNull();
        List<String> supported = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        assertThat(TlsCiphers.select("!aNULL:ECDHE-RSA-AES256-GCM-SHA384", supported, supported))
                .containsExactly("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        assertThat(TlsCiphers.select("NOPE:!aNULL", supported, supported)).containsExactlyElementsOf(supported);
    }

    /** bin/qmail-smtpd on descriptors 0 and 1 under Debian's tcpserver: STARTTLS through an SSLEngine. */
    @Test
    void standaloneOnDescriptors() throws Exception {
        TestHome h = home();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = org.qmailj.testing.DefaultSignals.builder("/usr/bin/tcpserver", "-1", "-R", "-H", "-l", "mx.example",
                "127.0.0.1", "0", java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "-Dqmail.home=" + h.root, "org.qmailj.smtpd.QmailSmtpd");
        pb.environment().put("QMAILQUEUE", h.stub.toString());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try {
            String port = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine().trim();
            Cmd.Result swaks = Cmd.run(List.of("swaks", "--server", "127.0.0.1", "--port", port,
                    "--tls", "--from", "fd@example.net", "--to", "f@test.example", "--helo", "fd.example"),
                    path(), null, new byte[0], 60);
            assertThat(swaks.exit()).as(swaks.toString()).isZero();
            assertThat(swaks.out()).contains("<-  250 STARTTLS").contains("=== TLS started with cipher TLSv1.3");
            try (SmtpClient c = new SmtpClient(new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(port)))) {
                c.reply();
                c.send("MAIL FROM:<x@y>\r\n").reply();
                c.send("STARTTLS\r\nRSET\r\nMAIL FROM:<evil@attacker.example>\r\n");
                assertThat(c.reply()).isEqualTo("220 ready for tls\r\n");
                try (SmtpClient t = new SmtpClient(TlsFixture.clientTls(c.socket))) {
                    assertThat(t.send("RCPT TO:<a@test.example>\r\n").reply()).isEqualTo("503 MAIL first (#5.5.1)\r\n");
                    assertThat(t.send("EHLO x\r\n").reply()).doesNotContain("STARTTLS");
                    assertThat(t.send("QUIT\r\n").rest()).isEqualTo("221 test.example\r\n");
                }
            }
        } finally {
            p.destroy();
            p.waitFor();
        }
        // Plain text where the ClientHello should be: the handshake fails, the process exits 1.
        Cmd.Result garbage = StandaloneSmtpdTest.run(h, h.env(), "STARTTLS\r\nQUIT\r\n");
        assertThat(garbage.exit()).isEqualTo(1);
        assertThat(garbage.out()).startsWith("220 test.example ESMTP\r\n220 ready for tls\r\n").doesNotContain("221");
        assertThat(h.queued()).hasSize(1);
        assertThat(h.queued().get(0).message()).contains("(HELO fd.example)").contains("with ESMTPS (TLSv1.3 cipher TLS_");
    }
}
