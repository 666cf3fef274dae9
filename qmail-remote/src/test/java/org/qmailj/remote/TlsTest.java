package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.address.ConstMap;
import org.qmailj.testing.Dnsmasq;

/**
 * STARTTLS on the sending side against a scripted SMTP server doing real TLS (the JDK's, with
 * certificates openssl makes at test time), reached by MX lookup through dnsmasq: mx1.tls.test
 * is 127.0.0.2. Checks what the server saw (STARTTLS, the handshake, SNI, the commands after
 * it) and qmail-remote's reports, for opportunistic TLS and each kind of
 * control/tlsdestinations line.
 */
class TlsTest {
    @TempDir
    static Path tmp;
    static Dnsmasq dnsmasq;
    static TestPki ca;
    static TestPki other;
    static SSLContext good;
    static SSLContext wrongName;
    static SSLContext untrusted;
    ScriptedServer server;

    @BeforeAll
    static void start() throws Exception {
        dnsmasq = Dnsmasq.start(tmp, "--mx-host=tls.test,mx1.tls.test,10", "--host-record=mx1.tls.test,127.0.0.2");
        ca = TestPki.create(tmp, "Test CA");
        other = TestPki.create(tmp, "Other CA");
        good = ca.server("DNS:mx1.tls.test");
        wrongName = ca.server("DNS:mx9.elsewhere.test");
        untrusted = other.server("DNS:mx1.tls.test");
    }

    @AfterAll
    static void stop() throws Exception {
        dnsmasq.close();
    }

    @BeforeEach
    void server() throws Exception {
        server = new ScriptedServer("127.0.0.2");
    }

    @AfterEach
    void close() throws Exception {
        server.close();
    }

    /** Delivers to r@tls.test; the JDK trust store is the test CA's when {@code testTrust}. */
    String deliver(boolean testTrust, String... tlsdestinations) {
        RemoteControl c = new RemoteControl("me.test", 5, 10, ConstMap.ofColonLines(List.of("::" + server.port())),
                TlsDestinations.parse(List.of(tlsdestinations), tmp));
        TlsClient tls = testTrust ? new TlsClient(ca.trust) : TlsClient.jdkDefault();
        Remote.Context ctx = new Remote.Context(c, new DnsjavaDns(dnsmasq.resolver()), new Ipme(),
                new Tcpto(tmp.resolve("none")), () -> 1, tls, null);
        Output out = Remote.deliver(ctx, "tls.test", "s@from.test", List.of("r@tls.test"), SmtpClientTest.msg("secret\n"));
        return new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    static String accepted(String tls) {
        return "r\0K127.0.0.2 accepted message.\nTLS: " + tls + ".\nRemote host said: 250 ok 1234\n\0";
    }

    static final List<String> TLS_DIALOGUE = List.of("EHLO me.test", "STARTTLS", "<tls TLSv1.3 mx1.tls.test>", "EHLO me.test",
            "MAIL FROM:<s@from.test>", "RCPT TO:<r@tls.test>", "DATA", "QUIT");

    @Test
    void opportunisticTlsWhenOffered() throws Exception {
        server.tls = untrusted;
        String out = deliver(false);
        assertThat(out).isEqualTo(accepted("TLSv1.3 TLS_AES_256_GCM_SHA384, certificate not verified")
                .replace("TLS_AES_256_GCM_SHA384", cipher(out)));
        assertThat(server.awaitCommand("QUIT")).isEqualTo(TLS_DIALOGUE);
        assertThat(server.data()).isEqualTo("secret\r\n.\r\n");
    }

    /** The cipher suite the report names (the JDK picks it). */
    static String cipher(String out) {
        int at = out.indexOf("TLSv1.3 ") + 8;
        return out.substring(at, out.indexOf(',', at));
    }

    @Test
    void verifiedWhenTheTrustStoreKnowsTheCa() throws Exception {
        server.tls = good;
        String out = deliver(true);
        assertThat(out).contains("TLS: TLSv1.3 TLS_").contains(", certificate verified.\n").startsWith("r\0K127.0.0.2");
        assertThat(server.awaitCommand("QUIT")).isEqualTo(TLS_DIALOGUE);
    }

    @Test
    void plainTextWhenNotOffered() throws Exception {
        assertThat(deliver(false)).isEqualTo("r\0K127.0.0.2 accepted message.\nRemote host said: 250 ok 1234\n\0");
        assertThat(server.awaitCommand("QUIT")).doesNotContain("STARTTLS");
    }

    @Test
    void plainTextWhenStarttlsIsRefused() throws Exception {
        server.replies = line -> line.equals("STARTTLS") ? "454 TLS not available\r\n"
                : line.startsWith("EHLO") ? "250-scripted\r\n250 STARTTLS\r\n" : ScriptedServer.standard(line);
        assertThat(deliver(false)).isEqualTo("r\0K127.0.0.2 accepted message.\nRemote host said: 250 ok 1234\n\0");
        assertThat(server.awaitCommand("QUIT")).containsExactly("EHLO me.test", "STARTTLS", "MAIL FROM:<s@from.test>",
                "RCPT TO:<r@tls.test>", "DATA", "QUIT");
    }

    @Test
    void failedHandshakeIsTemporary() throws Exception {
        server.tlsThenClose = true;
        String out = deliver(false);
        assertThat(out).startsWith("ZTLS connect failed at 127.0.0.2: ").endsWith(". (#4.7.0)\n\0");
        assertThat(server.commands).containsExactly("EHLO me.test", "STARTTLS");
    }

    @Test
    void requiredButNotOffered() throws Exception {
        assertThat(deliver(false, "mx1.tls.test:none")).isEqualTo(
                "ZConnected to 127.0.0.2 but it does not offer STARTTLS, which control/tlsdestinations requires. (#4.7.0)\n\0");
        assertThat(server.awaitCommand("QUIT")).containsExactly("EHLO me.test", "QUIT");
    }

    @Test
    void requiredButRefused() throws Exception {
        server.replies = line -> line.equals("STARTTLS") ? "454 TLS not available\r\n"
                : line.startsWith("EHLO") ? "250-scripted\r\n250 STARTTLS\r\n" : ScriptedServer.standard(line);
        assertThat(deliver(false, ".tls.test:none")).isEqualTo("ZConnected to 127.0.0.2 but STARTTLS was rejected, and "
                + "control/tlsdestinations requires TLS. (#4.7.0)\nRemote host said: 454 TLS not available\n\0");
    }

    @Test
    void requiredWithoutVerificationTakesAnyCertificate() throws Exception {
        server.tls = untrusted;
        assertThat(deliver(false, "tls.test:none")).contains(", certificate not verified.\n").startsWith("r\0K");
    }

    @Test
    void verifiedAgainstCafile() throws Exception {
        server.tls = good;
        assertThat(deliver(false, "mx1.tls.test:" + ca.caPem)).contains(", certificate verified.\n").startsWith("r\0K");
        assertThat(server.awaitCommand("QUIT")).isEqualTo(TLS_DIALOGUE);
    }

    @Test
    void verifiedAgainstTheJdkTrustStore() throws Exception {
        server.tls = good;
        assertThat(deliver(true, "*:-")).contains(", certificate verified.\n").startsWith("r\0K");
        server.commands.clear();
        assertThat(deliver(true, "tls.test:")).contains(", certificate verified.\n").startsWith("r\0K");
    }

    @Test
    void untrustedCertificateIsATemporaryFailure() throws Exception {
        server.tls = untrusted;
        String out = deliver(false, "mx1.tls.test:" + ca.caPem);
        assertThat(out).startsWith("ZTLS unable to verify server mx1.tls.test at 127.0.0.2: ").endsWith(". (#4.7.5)\n\0");
        assertThat(server.commands).doesNotContain("MAIL FROM:<s@from.test>");
        assertThat(server.data()).isEmpty();
    }

    @Test
    void certificateForAnotherNameIsATemporaryFailure() throws Exception {
        server.tls = wrongName;
        String out = deliver(true, "*:-");
        assertThat(out).startsWith("ZTLS unable to verify server mx1.tls.test at 127.0.0.2: ")
                .contains("mx1.tls.test").endsWith(". (#4.7.5)\n\0");
        assertThat(server.commands).doesNotContain("MAIL FROM:<s@from.test>");
    }

    @Test
    void skippedHostNeverSeesStarttls() throws Exception {
        server.tls = good;
        assertThat(deliver(true, "!mx1.tls.test", "*:-"))
                .isEqualTo("r\0K127.0.0.2 accepted message.\nRemote host said: 250 ok 1234\n\0");
        assertThat(server.awaitCommand("QUIT")).doesNotContain("STARTTLS");
    }

    @Test
    void verifydepthLimitsTheChain() throws Exception {
        server.tls = good; // the server sends its certificate and the CA's: depth 1
        assertThat(deliver(false, "mx1.tls.test:" + ca.caPem + "::1")).startsWith("r\0K");
        assertThat(deliver(false, "mx1.tls.test:" + ca.caPem + "::0")).startsWith("r\0K"); // 0: no limit
    }

    @Test
    void unreadableCafile() throws Exception {
        server.tls = good;
        assertThat(deliver(false, "mx1.tls.test:" + tmp.resolve("missing.pem")))
                .startsWith("ZTLS unable to load " + tmp.resolve("missing.pem") + " at 127.0.0.2: ").endsWith("(#4.7.0)\n\0");
    }
}
