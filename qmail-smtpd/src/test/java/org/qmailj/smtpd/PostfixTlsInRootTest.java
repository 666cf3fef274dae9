package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.PrivatePostfix;
import org.qmailj.testing.RootOnly;

/**
 * Postfix (Debian's package) as the TLS client sending into our qmail-smtpd: a private
 * instance ({@code postfix -c DIR}, its own queue, no listener of its own) takes a message
 * from its sendmail and relays it to our in-process qmail-smtpd (LoopbackServer, as
 * tcpserver runs it) with {@code smtp_tls_security_level = encrypt}, trusting the
 * self-signed certificate made at test time. Postfix's log says it had a trusted TLS session
 * with us and that we took the message; our Received line says ESMTPS and the cipher.
 * Root: Postfix's master must start as root. The approach is qmail-remote's
 * PostfixPeerTest's, the other direction.
 */
@RootOnly
class PostfixTlsInRootTest {
    private Path work;
    private PrivatePostfix postfix;

    @AfterEach
    void stop() throws Exception {
        if (work == null) return;
        if (postfix != null) postfix.close();
        Cmd.run(List.of("rm", "-rf", work.toString()));
    }

    private String log() throws IOException {
        return postfix == null ? "" : postfix.log();
    }

    /** What the queue stub kept; empty while it is between moving the message and the envelope into place. */
    private static List<TestHome.Queued> queued(TestHome h) throws IOException {
        try {
            return h.queued();
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    /** A private Postfix relaying everything to 127.0.0.1:port, TLS required, our certificate trusted. */
    private void postfix(int port, Path caFile) throws Exception {
        postfix = PrivatePostfix.configure(work, List.of(
                "mydomain = localdomain",
                "myorigin = pf.localdomain",
                "relayhost = [127.0.0.1]:" + port,
                "smtp_tls_security_level = encrypt",
                "smtp_tls_CAfile = " + caFile,
                "smtp_tls_loglevel = 1"));
        // No listener of its own: mail comes in through sendmail (postdrop, pickup).
        postfix.postconf("-MX", "smtp/inet");
        postfix.start();
    }

    @Test
    void postfixRelaysIntoOurSmtpdOverTls() throws Exception {
        work = Files.createTempDirectory(Path.of("/var/tmp"), "qmail-smtpd-postfix");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        TestHome h = new TestHome(work.resolve("qmail"));
        h.control("rcpthosts", "test.example");
        Path pem = TlsFixture.certificate(work.resolve("tls"), "rsa");
        Files.copy(pem, h.root.resolve("control/servercert.pem"));
        // Postfix's smtp runs as user postfix: the certificate it trusts must be readable to it.
        Path caFile = work.resolve("tls/crt-rsa.pem");
        Files.setPosixFilePermissions(work.resolve("tls"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(caFile, PosixFilePermissions.fromString("rw-r--r--"));
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env())) {
            postfix(srv.port(), caFile);
            Cmd.Result r = Cmd.run(List.of("sendmail", "-C", postfix.etc().toString(), "-f", "sender@pf.localdomain", "rcpt@test.example"),
                    Map.of("PATH", System.getenv("PATH")), null,
                    "From: sender@pf.localdomain\nTo: rcpt@test.example\nSubject: through postfix\n\nhello over TLS\n"
                            .getBytes(StandardCharsets.US_ASCII), 60);
            assertThat(r.exit()).as(r.toString()).isZero();
            List<TestHome.Queued> q = List.of();
            for (int i = 0; i < 1200 && (q = queued(h)).isEmpty(); i++) Thread.sleep(50);
            assertThat(q).as("queued by our qmail-smtpd; postfix log:\n%s", log()).hasSize(1);
            assertThat(q.get(0).envelope()).isEqualTo("Fsender@pf.localdomain\0Trcpt@test.example\0\0");
            assertThat(q.get(0).message())
                    .matches("(?s)Received: from unknown \\(HELO pf\\.localdomain\\) \\(127\\.0\\.0\\.1\\)\n"
                            + "  by 127\\.0\\.0\\.1 with ESMTPS \\(TLSv1\\.3 cipher TLS_[A-Z0-9_]+\\); .*")
                    .contains("Subject: through postfix\n").endsWith("\nhello over TLS\n");
            // The log is written by postlogd: wait for the delivery line, then check both.
            String log = log();
            for (int i = 0; i < 600 && !log.contains("status=sent"); i++) {
                Thread.sleep(50);
                log = log();
            }
            assertThat(log).contains("Trusted TLS connection established to 127.0.0.1[127.0.0.1]:" + srv.port() + ": TLSv1.3 with cipher TLS_")
                    .containsPattern("to=<rcpt@test\\.example>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" + srv.port()
                            + ", .*status=sent \\(250 ok ");
        }
    }
}
