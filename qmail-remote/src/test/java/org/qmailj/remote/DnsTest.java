package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Dnsmasq;
import org.qmailj.common.address.ConstMap;
import org.xbill.DNS.SimpleResolver;

/**
 * qmail-remote's DNS steps against a real dnsmasq on loopback: MX preference order, the
 * implicit MX, CNAME canonicalisation, AAAA, NXDOMAIN, SERVFAIL and timeouts, MX records
 * pointing at this host, each checked through qmail-remote's reports and the SMTP servers
 * (on 127.0.0.2 and 127.0.0.3, same port) that were reached.
 */
class DnsTest {
    @TempDir
    static Path tmp;
    static Dnsmasq dnsmasq;
    static Dnsmasq.ServfailUpstream upstream;
    static ScriptedServer two;
    static ScriptedServer three;
    static int smtpPort;

    @BeforeAll
    static void start() throws Exception {
        // Two SMTP servers on the same free port of two loopback addresses.
        for (int attempt = 0; two == null; attempt++) {
            ScriptedServer a = new ScriptedServer("127.0.0.2");
            try {
                three = new ScriptedServer("127.0.0.3", a.port());
                two = a;
            } catch (IOException e) {
                a.close();
                if (attempt > 5) throw e;
            }
        }
        smtpPort = two.port();
        upstream = new Dnsmasq.ServfailUpstream();
        dnsmasq = Dnsmasq.start(tmp,
                "--mx-host=mx.test,mx2.mx.test,20", "--mx-host=mx.test,mx1.mx.test,10",
                "--host-record=mx1.mx.test,127.0.0.2", "--host-record=mx2.mx.test,127.0.0.3",
                "--mx-host=down.test,gone.down.test,5", "--mx-host=down.test,mx2.mx.test,10",
                "--host-record=gone.down.test,127.0.0.9",
                "--mx-host=us.test,local.us.test,10", "--mx-host=us.test,mx2.mx.test,20",
                "--host-record=local.us.test,127.0.0.1",
                "--mx-host=better.test,gone.down.test,5", "--mx-host=better.test,local.us.test,10",
                "--mx-host=better.test,mx2.mx.test,20",
                "--mx-host=same.test,mx1.mx.test,10", "--mx-host=same.test,mx2.mx.test,10",
                "--mx-host=nomx.test,nowhere.test,10",
                "--host-record=plain.test,127.0.0.3",
                "--cname=alias.test,plain.test", "--cname=alias2.test,alias.test",
                "--host-record=six.test,::1", "--host-record=v6relay.test,::1",
                "--host-record=both.test,127.0.0.2,::1",
                "--server=/servfail.test/127.0.0.1#" + upstream.port());
    }

    @AfterAll
    static void stop() throws Exception {
        dnsmasq.close();
        upstream.close();
        two.close();
        three.close();
    }

    Remote.Context ctx(Dns dns, String... routes) {
        RemoteControl c = new RemoteControl("me.test", 5, 10, ConstMap.ofColonLines(List.of(routes)));
        return new Remote.Context(c, dns, new Ipme(), new Tcpto(tmp.resolve("none")), () -> 1);
    }

    String deliver(String host, String... recips) throws IOException {
        return deliver(new DnsjavaDns(dnsmasq.resolver()), host, recips);
    }

    String deliver(Dns dns, String host, String... recips) {
        // Every host is routed "::port": MX lookups as usual, SMTP on the test servers' port.
        Output out = Remote.deliver(ctx(dns, ":" + ":" + smtpPort), host, "s@from.test", List.of(recips),
                SmtpClientTest.msg("m\n"));
        return new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    static String accepted(String ip) {
        return "r\0K" + ip + " accepted message.\nRemote host said: 250 ok 1234\n\0";
    }

    @Test
    void lowestPreferenceFirst() throws IOException {
        two.commands.clear();
        assertThat(deliver("mx.test", "r@mx.test")).isEqualTo(accepted("127.0.0.2"));
        assertThat(two.commands).contains("RCPT TO:<r@mx.test>");
    }

    @Test
    void nextMxWhenTheBestIsDown() throws IOException {
        assertThat(deliver("down.test", "r@down.test")).isEqualTo(accepted("127.0.0.3"));
    }

    @Test
    void implicitMxIsTheHostsAddress() throws IOException {
        assertThat(deliver("plain.test", "r@plain.test")).isEqualTo(accepted("127.0.0.3"));
    }

    @Test
    void recipientDomainsAreCanonicalised() throws IOException {
        three.commands.clear();
        assertThat(deliver("plain.test", "a@alias.test", "b@alias2.test", "c@plain.test"))
                .isEqualTo("r\0r\0" + accepted("127.0.0.3"));
        assertThat(three.commands).contains("RCPT TO:<a@plain.test>", "RCPT TO:<b@plain.test>", "RCPT TO:<c@plain.test>");
    }

    @Test
    void aRouteSkipsCnameLookups() throws IOException {
        three.commands.clear();
        Output out = Remote.deliver(ctx(new DnsjavaDns(dnsmasq.resolver()), "plain.test:127.0.0.3:" + smtpPort), "plain.test", "s@x",
                List.of("a@alias.test"), SmtpClientTest.msg("m\n"));
        assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1)).isEqualTo(accepted("127.0.0.3"));
        assertThat(three.commands).contains("RCPT TO:<a@alias.test>");
    }

    @Test
    void nxdomainIsPermanent() throws IOException {
        assertThat(deliver("nx.test", "r@nx.test"))
                .isEqualTo("DSorry, I couldn't find any host named nx.test. (#5.1.2)\n\0");
        assertThat(deliver("bad\001name.test", "r@mx.test"))
                .isEqualTo("DSorry, I couldn't find any host named bad?name.test. (#5.1.2)\n\0");
    }

    @Test
    void mxWithoutAddressesIsPermanent() throws IOException {
        assertThat(deliver("nomx.test", "r@mx.test"))
                .isEqualTo("DSorry, I couldn't find a mail exchanger or IP address. (#5.4.4)\n\0");
    }

    @Test
    void servfailIsTemporary() throws IOException {
        assertThat(deliver("x.servfail.test", "r@mx.test"))
                .isEqualTo("ZSorry, I couldn't find any host by that name. (#4.1.2)\n\0");
        assertThat(deliver("mx.test", "r@x.servfail.test"))
                .isEqualTo("ZCNAME lookup failed temporarily. (#4.4.3)\n\0");
    }

    @Test
    void silentServerIsTemporary() throws IOException {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            SimpleResolver r = new SimpleResolver(new InetSocketAddress("127.0.0.1", silent.getLocalPort()));
            r.setTimeout(Duration.ofSeconds(1));
            Output out = Remote.deliver(ctx(new DnsjavaDns(r), "mx.test:"), "mx.test", "s@x", List.of("r@[127.0.0.2]"),
                    SmtpClientTest.msg("m\n"));
            assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("ZSorry, I couldn't find any host by that name. (#4.1.2)\n\0");
        }
    }

    @Test
    void mxPointingAtUs() throws IOException {
        // We are the best MX: qmail-send should have treated it as local.
        assertThat(deliver("us.test", "r@mx.test")).isEqualTo(
                "DSorry. Although I'm listed as a best-preference MX or A for that host,\n"
                        + "it isn't in my control/locals file, so I don't treat it as local. (#5.4.6)\n\0");
        // A better MX than us is tried; worse ones are not.
        assertThat(deliver("better.test", "r@mx.test"))
                .isEqualTo("ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n\0");
    }

    @Test
    void aaaaRecords() throws IOException {
        // ::1 is one of our addresses, so as an implicit MX it is us.
        assertThat(deliver("six.test", "r@mx.test")).startsWith("DSorry. Although I'm listed");
        // Through a route the relay's AAAA is used.
        try (ScriptedServer v6 = new ScriptedServer("::1")) {
            Output out = Remote.deliver(ctx(new DnsjavaDns(dnsmasq.resolver()), "six.test:v6relay.test:" + v6.port()), "six.test", "s@x",
                    List.of("r@six.test"), SmtpClientTest.msg("m\n"));
            assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("r\0K::1 accepted message.\nRemote host said: 250 ok 1234\n\0");
        }
        // A before AAAA.
        Dns.Addresses both = new DnsjavaDns(dnsmasq.resolver()).ip("both.test");
        assertThat(both).isInstanceOf(Dns.Found.class);
        assertThat(((Dns.Found) both).addresses()).extracting(MxAddress::text).containsExactly("127.0.0.2", "::1");
    }

    @Test
    void equalPreferencesInRandomOrder() throws IOException {
        Dns dns = new DnsjavaDns(dnsmasq.resolver());
        Set<String> firsts = new HashSet<>();
        for (long seed = 0; seed < 40 && firsts.size() < 2; seed++) {
            Dns.Found f = (Dns.Found) dns.mxip("same.test", seed * 7919 + System.nanoTime());
            assertThat(f.addresses()).extracting(MxAddress::pref).containsExactly(10, 10);
            firsts.add(f.addresses().getFirst().text());
        }
        assertThat(firsts).containsExactlyInAnyOrder("127.0.0.2", "127.0.0.3");
        Dns.Found mx = (Dns.Found) dns.mxip("mx.test", 1);
        assertThat(mx.addresses()).extracting(MxAddress::text).containsExactly("127.0.0.2", "127.0.0.3");
    }

    @Test
    void standaloneUsesQmailDnsServer(@TempDir Path home) throws Exception {
        java.nio.file.Files.createDirectories(home.resolve("control"));
        java.nio.file.Files.writeString(home.resolve("control/me"), "me.test\n");
        java.nio.file.Files.writeString(home.resolve("control/smtproutes"), "::" + smtpPort + "\n");
        org.qmailj.testing.Cmd.Result r = org.qmailj.testing.Cmd.run(
                StandaloneTest.command("mx.test", "s@from.test", "r@alias.test"),
                java.util.Map.of("QMAIL_HOME", home.toString(), "QMAIL_DNS_SERVER", dnsmasq.server()), home,
                "m\n".getBytes(StandardCharsets.ISO_8859_1), 60);
        assertThat(r.out()).isEqualTo(accepted("127.0.0.2"));
        assertThat(two.commands).contains("RCPT TO:<r@plain.test>");
        assertThat(r.err()).isEmpty();
    }
}
