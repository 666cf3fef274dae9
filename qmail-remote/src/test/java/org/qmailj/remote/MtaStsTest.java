package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
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
 * MTA-STS (RFC 8461) end to end: the {@code _mta-sts} TXT records in dnsmasq, the policies
 * served by the JDK's HttpsServer (a certificate from a CA made at test time, which the
 * client's trust store holds) at a URL the test points the fetch at, and a scripted SMTP
 * server doing TLS on 127.0.0.2, the address of every MX host here.
 */
class MtaStsTest {
    @TempDir
    static Path tmp;
    static Dnsmasq dnsmasq;
    static TestPki ca;
    static TestPki other;
    static SSLContext good;
    static SSLContext untrusted;
    static HttpsServer https;
    static final Map<String, String> POLICIES = new ConcurrentHashMap<>();
    static final Map<String, Integer> FETCHES = new ConcurrentHashMap<>();
    static final AtomicLong NOW = new AtomicLong(1_800_000_000L);
    ScriptedServer server;

    @BeforeAll
    static void start() throws Exception {
        dnsmasq = Dnsmasq.start(tmp,
                "--mx-host=enforce.test,mx1.enforce.test,10", "--host-record=mx1.enforce.test,127.0.0.2",
                "--txt-record=_mta-sts.enforce.test,v=STSv1; id=20261203",
                "--mx-host=wild.test,a.mx.wild.test,10", "--host-record=a.mx.wild.test,127.0.0.2",
                "--txt-record=_mta-sts.wild.test,v=STSv1; id=1",
                "--mx-host=mismatch.test,mx1.mismatch.test,10", "--host-record=mx1.mismatch.test,127.0.0.2",
                "--txt-record=_mta-sts.mismatch.test,v=STSv1; id=1",
                "--mx-host=testing.test,mx1.testing.test,10", "--host-record=mx1.testing.test,127.0.0.2",
                "--txt-record=_mta-sts.testing.test,v=STSv1; id=1",
                "--mx-host=none.test,mx1.none.test,10", "--host-record=mx1.none.test,127.0.0.2",
                "--mx-host=nopolicy.test,mx1.nopolicy.test,10", "--host-record=mx1.nopolicy.test,127.0.0.2",
                "--txt-record=_mta-sts.nopolicy.test,v=STSv1; id=1");
        ca = TestPki.create(tmp, "Test CA");
        other = TestPki.create(tmp, "Other CA");
        good = ca.server("DNS:mx1.enforce.test", "DNS:a.mx.wild.test", "DNS:mx1.mismatch.test", "DNS:mx1.testing.test");
        untrusted = other.server("DNS:mx1.enforce.test", "DNS:mx1.testing.test");
        https = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 10);
        https.setHttpsConfigurator(new HttpsConfigurator(ca.server("IP:127.0.0.1")));
        https.createContext("/", ex -> {
            // /DOMAIN/.well-known/mta-sts.txt
            String[] parts = ex.getRequestURI().getPath().split("/");
            String domain = parts.length > 1 ? parts[1] : "";
            String policy = ex.getRequestURI().getPath().endsWith("/.well-known/mta-sts.txt") ? POLICIES.get(domain) : null;
            FETCHES.merge(domain, 1, Integer::sum);
            byte[] body = (policy == null ? "not found\n" : policy).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(policy == null ? 404 : 200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        https.start();
        POLICIES.put("enforce.test", "version: STSv1\r\nmode: enforce\r\nmx: mx1.enforce.test\r\nmax_age: 86400\r\n");
        POLICIES.put("wild.test", "version: STSv1\nmode: enforce\nmx: *.mx.wild.test\nmax_age: 86400\n");
        POLICIES.put("mismatch.test", "version: STSv1\nmode: enforce\nmx: mx.elsewhere.test\nmx: *.mismatch.test.example\nmax_age: 86400\n");
        POLICIES.put("testing.test", "version: STSv1\nmode: testing\nmx: mx1.testing.test\nmax_age: 86400\n");
    }

    @AfterAll
    static void stop() throws Exception {
        https.stop(0);
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

    MtaSts mtaSts() {
        return new MtaSts(new DnsjavaDns(dnsmasq.resolver()), new TlsClient(ca.trust),
                "https://127.0.0.1:" + https.getAddress().getPort() + "/%s/.well-known/mta-sts.txt", NOW::get, 100,
                Duration.ofSeconds(10));
    }

    String deliver(MtaSts sts, String domain, String... tlsdestinations) {
        RemoteControl c = new RemoteControl("me.test", 5, 10, ConstMap.ofColonLines(List.of("::" + server.port())),
                TlsDestinations.parse(List.of(tlsdestinations), tmp));
        Remote.Context ctx = new Remote.Context(c, new DnsjavaDns(dnsmasq.resolver()), new Ipme(),
                new Tcpto(tmp.resolve("none")), () -> 1, new TlsClient(ca.trust), sts);
        Output out = Remote.deliver(ctx, domain, "s@from.test", List.of("r@" + domain), SmtpClientTest.msg("m\n"));
        return new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void enforceWithMatchingMxAndValidCertificate() throws Exception {
        server.tls = good;
        String out = deliver(mtaSts(), "enforce.test");
        assertThat(out).startsWith("r\0K127.0.0.2 accepted message.\nTLS: TLSv1.3 ").contains(", certificate verified.\n");
        assertThat(server.awaitCommand("QUIT")).contains("<tls TLSv1.3 mx1.enforce.test>");
    }

    @Test
    void enforceWithWildcardMx() throws Exception {
        server.tls = good;
        assertThat(deliver(mtaSts(), "wild.test")).startsWith("r\0K127.0.0.2 accepted message.\nTLS: ");
    }

    @Test
    void enforceWithUntrustedCertificateIsRefused() throws Exception {
        server.tls = untrusted;
        String out = deliver(mtaSts(), "enforce.test");
        assertThat(out).startsWith("ZTLS unable to verify server mx1.enforce.test at 127.0.0.2: ").endsWith(". (#4.7.5)\n\0");
        assertThat(server.commands).doesNotContain("MAIL FROM:<s@from.test>");
    }

    @Test
    void enforceWithoutStarttlsIsRefused() throws Exception {
        assertThat(deliver(mtaSts(), "enforce.test")).isEqualTo("ZConnected to 127.0.0.2 but it does not offer STARTTLS, "
                + "which the MTA-STS policy of enforce.test requires. (#4.7.0)\n\0");
    }

    @Test
    void enforceWithNoMatchingMxIsRefusedBeforeConnecting() throws Exception {
        server.tls = good;
        assertThat(deliver(mtaSts(), "mismatch.test")).isEqualTo(
                "ZSorry, none of the mail exchangers of mismatch.test matches its MTA-STS policy (mode enforce). (#4.7.5)\n\0");
        assertThat(server.commands).isEmpty();
    }

    @Test
    void testingModeDeliversDespiteABadCertificate() throws Exception {
        server.tls = untrusted;
        assertThat(deliver(mtaSts(), "testing.test")).startsWith("r\0K127.0.0.2 accepted message.\nTLS: ")
                .contains(", certificate not verified.\n");
    }

    @Test
    void noTxtRecordOrNoPolicyMeansOpportunistic() throws Exception {
        server.tls = untrusted;
        assertThat(deliver(mtaSts(), "none.test")).contains(", certificate not verified.\n").startsWith("r\0K");
        // A TXT record but the policy fetch gets 404: no policy.
        assertThat(deliver(mtaSts(), "nopolicy.test")).contains(", certificate not verified.\n").startsWith("r\0K");
    }

    @Test
    void tlsdestinationsForTheDomainOverridesThePolicy() throws Exception {
        server.tls = untrusted;
        assertThat(deliver(mtaSts(), "enforce.test", "enforce.test:none")).startsWith("r\0K")
                .contains(", certificate not verified.\n");
    }

    @Test
    void policyIsCachedForMaxAgeAndRefetchedOnANewId() throws Exception {
        MtaSts sts = mtaSts();
        FETCHES.remove("enforce.test");
        assertThat(sts.policy("enforce.test")).map(MtaSts.Policy::mode).contains(MtaSts.Mode.ENFORCE);
        assertThat(sts.policy("enforce.test")).isPresent();
        NOW.addAndGet(600); // past the TXT re-check: same id, no new fetch
        assertThat(sts.policy("enforce.test")).isPresent();
        assertThat(FETCHES.get("enforce.test")).isEqualTo(1);
        // The policy server goes away: the cached policy stays in force until max_age.
        String saved = POLICIES.remove("enforce.test");
        try {
            NOW.addAndGet(80_000);
            assertThat(sts.policy("enforce.test")).isPresent();
            NOW.addAndGet(10_000); // past max_age, nothing to fetch: no policy
            assertThat(sts.policy("enforce.test")).isEmpty();
        } finally {
            POLICIES.put("enforce.test", saved);
        }
        assertThat(sts.policy("enforce.test")).isPresent();
    }

    @Test
    void cacheIsBounded() throws Exception {
        MtaSts sts = new MtaSts(new DnsjavaDns(dnsmasq.resolver()), new TlsClient(ca.trust),
                "https://127.0.0.1:" + https.getAddress().getPort() + "/%s/.well-known/mta-sts.txt", NOW::get, 1,
                Duration.ofSeconds(10));
        FETCHES.clear();
        sts.policy("enforce.test");
        sts.policy("testing.test");
        sts.policy("enforce.test"); // evicted by testing.test: fetched again
        assertThat(FETCHES).containsEntry("enforce.test", 2).containsEntry("testing.test", 1);
    }

    @Test
    void policyParsing() {
        assertThat(MtaSts.parse("version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: 604800\n"))
                .contains(new MtaSts.Policy(MtaSts.Mode.ENFORCE, List.of("mail.example.com", "*.example.net"), 604800));
        assertThat(MtaSts.parse("version: STSv1\nmode: none\nmax_age: 9999999999\n"))
                .contains(new MtaSts.Policy(MtaSts.Mode.NONE, List.of(), MtaSts.MAX_AGE_LIMIT));
        assertThat(MtaSts.parse("version: STSv2\nmode: enforce\nmx: a\nmax_age: 1\n")).isEmpty();
        assertThat(MtaSts.parse("version: STSv1\nmode: strict\nmx: a\nmax_age: 1\n")).isEmpty();
        assertThat(MtaSts.parse("version: STSv1\nmode: enforce\nmax_age: 1\n")).isEmpty();
        assertThat(MtaSts.parse("version: STSv1\nmode: enforce\nmx: a\n")).isEmpty();
        assertThat(MtaSts.parse("version: STSv1\nmode: enforce\nmx: a\nmax_age: -1\n")).isEmpty();
        assertThat(MtaSts.parse("version: STSv1\nmode: enforce\nmx: a\nmax_age: 12345678901\n")).isEmpty();
        MtaSts.Policy p = MtaSts.parse("version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: 1\n")
                .orElseThrow();
        assertThat(p.matches("MAIL.example.com.")).isTrue();
        assertThat(p.matches("a.example.net")).isTrue();
        assertThat(p.matches("a.b.example.net")).isFalse();
        assertThat(p.matches("example.net")).isFalse();
        assertThat(p.matches(null)).isFalse();
    }

    @Test
    void txtRecordParsing() {
        assertThat(MtaSts.stsId(List.of("v=STSv1; id=20160831085700Z;"))).contains("20160831085700Z");
        assertThat(MtaSts.stsId(List.of("v=spf1 -all", "v=STSv1;id=abc"))).contains("abc");
        assertThat(MtaSts.stsId(List.of("v=STSv1; id=a", "v=STSv1; id=b"))).isEmpty();
        assertThat(MtaSts.stsId(List.of("v=STSv1; id=not-alnum"))).isEmpty();
        assertThat(MtaSts.stsId(List.of())).isEqualTo(Optional.empty());
    }
}
