package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.Dnsmasq;
import org.xbill.DNS.SimpleResolver;

/**
 * rblsmtpd: the program against Debian's (ucspi-tcp 0.88) for $RBLSMTPD's dialogs and usage
 * errors; the decision against a dnsmasq zone (TXT text in the 451, -b, -a, -c/-C on
 * SERVFAIL); tcpserver's in-process stage with the zone, tcprules' RBLSMTPD="" and -t.
 */
class RblsmtpdTest {
    private static final String TALK = "HELO x\r\nehlo y\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nrset\r\nNOOP\r\nDATA\r\n\r\n"
            + "vrfy\n  QUIT\r\nq\0uit\r\nquit now\r\nHELO after\r\n";

    @TempDir
    Path dir;

    private static Cmd.Result run(List<String> prefix, Map<String, String> env, String... args) throws Exception {
        List<String> c = new ArrayList<>(prefix);
        c.addAll(List.of(args));
        Map<String, String> e = new HashMap<>(env);
        e.putIfAbsent("TCPREMOTEIP", "10.1.2.3");
        return Cmd.run(c, e, null, TALK.getBytes(StandardCharsets.ISO_8859_1), 60);
    }

    private static void same(Map<String, String> env, String... args) throws Exception {
        Cmd.Result d = run(List.of("/usr/bin/rblsmtpd"), env, args);
        Cmd.Result o = run(ServerProcess.java("org.qmailj.tcpserver.Rblsmtpd", null), env, args);
        String what = env + " " + List.of(args);
        assertThat(o.exit()).as(what).isEqualTo(d.exit());
        assertThat(o.out()).as(what).isEqualTo(d.out());
        assertThat(o.err().replaceAll(" pid \\d+:", " pid N:")).as(what).isEqualTo(d.err().replaceAll(" pid \\d+:", " pid N:"));
    }

    @Test
    void programAnswersAsDebiansRblsmtpd() throws Exception {
        same(Map.of("RBLSMTPD", "go away"), "cat");
        same(Map.of("RBLSMTPD", "-bounced \u0001\u00e9 here"), "cat");
        same(Map.of("RBLSMTPD", "x".repeat(230)), "-b", "cat");
        same(Map.of("RBLSMTPD", "only this"), "-t0", "cat");
        same(Map.of("RBLSMTPD", ""), "-r", "never.asked.test", "cat");
        same(Map.of(), "cat");
        same(Map.of());
        same(Map.of(), "-x", "cat");
        same(Map.of(), "-t");
        same(Map.of("RBLSMTPD", ""), "/nonexistent/smtpd");
    }

    private static Rbl.Decision decide(Dnsmasq z, Map<String, String> env, String... args) throws Exception {
        SimpleResolver r = new SimpleResolver(new InetSocketAddress("127.0.0.1", z.port));
        r.setTimeout(Duration.ofSeconds(5));
        List<String> a = new ArrayList<>(List.of(args));
        a.add("qmail-smtpd");
        return Rbl.parse(a).rbl().orElseThrow().decide(env, RblDns.of(r));
    }

    private Dnsmasq zone(Dnsmasq.ServfailUpstream sf) throws Exception {
        return Dnsmasq.start(dir, "--txt-record=1.0.0.127.rbl.test,Listed at rbl.test: see http://rbl.test/?127.0.0.1",
                "--txt-record=4.3.2.1.rbl.test,first part ,second part",
                "--host-record=1.0.0.127.anti.test,127.0.0.2", "--server=/broken.test/127.0.0.1#" + sf.port());
    }

    @Test
    void decisionsFromTheZone() throws Exception {
        try (Dnsmasq.ServfailUpstream sf = new Dnsmasq.ServfailUpstream(); Dnsmasq z = zone(sf)) {
            Map<String, String> lo = Map.of("TCPREMOTEIP", "127.0.0.1");
            assertThat(decide(z, lo, "-r", "rbl.test")).isEqualTo(
                    new Rbl.Decision(true, "451 Listed at rbl.test: see http://rbl.test/?127.0.0.1", "127.0.0.1"));
            assertThat(decide(z, Map.of("TCPREMOTEIP", "1.2.3.4"), "-r", "rbl.test").message())
                    .isEqualTo("451 first part second part");
            assertThat(decide(z, lo, "-b", "-r", "rbl.test").message()).startsWith("553 Listed at rbl.test");
            // -b after -r comes too late for it, as in rblsmtpd.c (options act in order)
            assertThat(decide(z, lo, "-r", "rbl.test", "-b").message()).startsWith("451 Listed");
            assertThat(decide(z, Map.of("TCPREMOTEIP", "127.0.0.9"), "-r", "rbl.test").blocked()).isFalse();
            assertThat(decide(z, lo, "-r", "other.test", "-r", "rbl.test").message()).startsWith("451 Listed");
            assertThat(decide(z, lo, "-a", "anti.test", "-r", "rbl.test").blocked()).isFalse();
            assertThat(decide(z, lo, "-r", "rbl.test", "-a", "anti.test").blocked()).isTrue();
            assertThat(decide(z, Map.of("TCPREMOTEIP", "127.0.0.1", "RBLSMTPD", ""), "-r", "rbl.test").blocked()).isFalse();
            assertThat(decide(z, Map.of("TCPREMOTEIP", "127.0.0.1", "RBLSMTPD", "-mine"), "-r", "rbl.test").message())
                    .isEqualTo("553 mine");
            // SERVFAIL: fail-open (-C, the default) lets the client in, -c blocks with 451
            assertThat(decide(z, lo, "-r", "broken.test").blocked()).isFalse();
            assertThat(decide(z, lo, "-c", "-r", "broken.test").message()).isEqualTo("451 temporary RBL lookup error");
            // a failed lookup forbids 553 for a later listing, even with -b
            assertThat(decide(z, lo, "-b", "-r", "broken.test", "-r", "rbl.test").message()).startsWith("451 Listed");
            assertThat(decide(z, lo, "-a", "broken.test", "-r", "rbl.test").blocked()).isFalse();
            assertThat(decide(z, lo, "-c", "-a", "broken.test", "-b", "-r", "rbl.test").message()).startsWith("451 Listed");
        }
    }

    private ServerProcess server(Dnsmasq z, QueueStub q, String... args) throws Exception {
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", q.home);
        c.addAll(List.of(args));
        return new ServerProcess(c, Map.of("QMAIL_DNS_SERVER", z.server(), "QMAILQUEUE", q.stub.toString()));
    }

    private static String talk(ServerProcess srv, String text) throws Exception {
        try (Socket s = srv.connect()) {
            s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void inProcessStageBlocksListedClientsUnlessTheRulesSayRblsmtpdEmpty() throws Exception {
        QueueStub q = new QueueStub(dir);
        Path rules = dir.resolve("rules.cdb");
        Cmd.Result r = Cmd.run(List.of("/usr/bin/tcprules", rules.toString(), dir.resolve("rules.tmp").toString()), Map.of(),
                null, "127.0.0.1:allow,RBLSMTPD=\"\"\n".getBytes(), 30);
        assertThat(r.exit()).as(r.toString()).isZero();
        try (Dnsmasq.ServfailUpstream sf = new Dnsmasq.ServfailUpstream(); Dnsmasq z = zone(sf)) {
            try (ServerProcess srv = server(z, q, "-1", "-v", "-RH", "-l0", "127.0.0.1", "0",
                    "rblsmtpd", "-r", "rbl.test", "qmail-smtpd")) {
                assertThat(talk(srv, "HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@test.example>\r\nQUIT\r\n")).isEqualTo(
                        "220 rblsmtpd.local\r\n250 rblsmtpd.local\r\n250 rblsmtpd.local\r\n"
                                + "451 Listed at rbl.test: see http://rbl.test/?127.0.0.1\r\n221 rblsmtpd.local\r\n");
                srv.awaitLog("tcpserver: end 1 status 0");
                assertThat(srv.log).containsSubsequence("tcpserver: pid 1 from 127.0.0.1",
                        "rblsmtpd: 127.0.0.1 pid 1: 451 Listed at rbl.test: see http://rbl.test/?127.0.0.1",
                        "tcpserver: end 1 status 0");
            }
            try (ServerProcess srv = server(z, q, "-1", "-RH", "-l0", "-x", rules.toString(), "127.0.0.1", "0",
                    "rblsmtpd", "-b", "-r", "rbl.test", "qmail-smtpd")) {
                assertThat(talk(srv, "QUIT\r\n")).isEqualTo("220 test.example ESMTP\r\n221 test.example\r\n");
            }
            try (ServerProcess srv = server(z, q, "-1", "-RH", "-l0", "127.0.0.1", "0",
                    "rblsmtpd", "-b", "-r", "rbl.test", "qmail-smtpd")) {
                assertThat(talk(srv, "RCPT TO:<c@test.example>\r\nQUIT\r\n")).isEqualTo("220 rblsmtpd.local\r\n"
                        + "553 Listed at rbl.test: see http://rbl.test/?127.0.0.1\r\n221 rblsmtpd.local\r\n");
            }
        }
    }

    @Test
    void timeoutEndsTheConversation() throws Exception {
        QueueStub q = new QueueStub(dir);
        try (Dnsmasq.ServfailUpstream sf = new Dnsmasq.ServfailUpstream(); Dnsmasq z = zone(sf);
                ServerProcess srv = server(z, q, "-1", "-v", "-RH", "-l0", "127.0.0.1", "0",
                        "rblsmtpd", "-t", "1", "-r", "rbl.test", "qmail-smtpd");
                Socket s = srv.connect()) {
            long start = System.nanoTime();
            s.getOutputStream().write("HELO x\r\n".getBytes());
            InputStream in = s.getInputStream();
            // the client says nothing more: rblsmtpd drops it after 1 s
            assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("220 rblsmtpd.local\r\n250 rblsmtpd.local\r\n");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(25));
            srv.awaitLog("tcpserver: end 1 status 0");
        }
    }
}
