package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/** tcpserver end to end: in-process qmail-smtpd, rules from Debian's tcprules, spawned programs, log lines. */
class TcpserverTest {
    @TempDir
    Path dir;

    private Path rules(String text) throws Exception {
        Path cdb = dir.resolve("rules.cdb");
        Cmd.Result r = Cmd.run(List.of("/usr/bin/tcprules", cdb.toString(), dir.resolve("rules.tmp").toString()),
                Map.of(), null, text.getBytes(StandardCharsets.ISO_8859_1), 30);
        assertThat(r.exit()).as(r.toString()).isZero();
        return cdb;
    }

    private ServerProcess server(QueueStub q, String... opts) throws Exception {
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", q == null ? null : q.home);
        c.addAll(List.of(opts));
        return new ServerProcess(c, q == null ? Map.of() : Map.of("QMAILQUEUE", q.stub.toString()));
    }

    private static String readAll(Socket s) throws Exception {
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void inProcessSmtpdWithRulesEnvironmentAndLogLines() throws Exception {
        QueueStub q = new QueueStub(dir);
        Path cdb = rules("127.0.0.1:allow,RELAYCLIENT=\"\",TCPREMOTEHOST=\"client.example\"\n:deny\n");
        try (ServerProcess srv = server(q, "-1", "-v", "-R", "-H", "-l", "mx.example", "-x", cdb.toString(),
                "127.0.0.1", "0", "/var/qmail/bin/qmail-smtpd")) {
            try (Socket s = srv.connect()) {
                s.getOutputStream().write(("HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@relay.example>\r\nDATA\r\n"
                        + "hi\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.ISO_8859_1));
                assertThat(readAll(s)).matches("220 test.example ESMTP\r\n250 test.example\r\n250 ok\r\n250 ok\r\n"
                        + "354 go ahead\r\n250 ok \\d+ qp \\d+\r\n221 test.example\r\n");
                int cport = s.getLocalPort();
                srv.awaitLog("tcpserver: end 1 status 0");
                assertThat(srv.log).containsSubsequence("tcpserver: status: 0/40", "tcpserver: status: 1/40",
                        "tcpserver: pid 1 from 127.0.0.1",
                        "tcpserver: ok 1 mx.example:127.0.0.1:" + srv.port + " :127.0.0.1::" + cport,
                        "tcpserver: end 1 status 0", "tcpserver: status: 0/40");
            }
        }
        assertThat(q.messages()).hasSize(1);
        assertThat(q.messages().get(0)).matches("(?s)Received: from client.example \\(HELO c\\) \\(127.0.0.1\\)\n"
                + "  by mx.example with SMTP; .*\nhi\n");
        assertThat(q.envelopes().get(0)).isEqualTo("Fa@b\0Tx@relay.example\0\0");
    }

    @Test
    void denyAndMissingRules() throws Exception {
        QueueStub q = new QueueStub(dir);
        Path cdb = rules("127.0.0.1:deny\n");
        try (ServerProcess srv = server(q, "-1", "-v", "-RH", "-l0", "-x", cdb.toString(), "127.0.0.1", "0", "qmail-smtpd");
                Socket s = srv.connect()) {
            assertThat(readAll(s)).isEmpty();
            srv.awaitLog("tcpserver: end 1 status 25600");
            assertThat(srv.log).anyMatch(l -> l.matches("tcpserver: deny 1 0:127.0.0.1:\\d+ :127.0.0.1::\\d+"));
        }
        Path missing = dir.resolve("none.cdb");
        try (ServerProcess srv = server(q, "-1", "-v", "-RH", "-l0", "-x", missing.toString(), "127.0.0.1", "0", "qmail-smtpd");
                Socket s = srv.connect()) {
            assertThat(readAll(s)).isEmpty();
            srv.awaitLog("tcpserver: warning: dropping connection, unable to read .*none.cdb: file does not exist");
        }
        try (ServerProcess srv = server(q, "-1", "-RHX", "-l0", "-B", "banner\r\n", "-x", missing.toString(), "127.0.0.1", "0",
                "qmail-smtpd"); Socket s = srv.connect()) {
            s.getOutputStream().write("QUIT\r\n".getBytes());
            assertThat(readAll(s)).isEqualTo("banner\r\n220 test.example ESMTP\r\n221 test.example\r\n");
        }
    }

    @Test
    void spawnsOtherProgramsWithSocketOnFds0And1() throws Exception {
        Path cdb = rules("127.0.0.1:allow,X=\"a b\"\n");
        try (ServerProcess srv = server(null, "-1", "-v", "-RH", "-l0", "-B", "hello\n", "-x", cdb.toString(),
                "127.0.0.1", "0", "cat")) {
            try (Socket s = srv.connect()) {
                s.getOutputStream().write("echo me\n".getBytes());
                s.shutdownOutput();
                assertThat(readAll(s)).isEqualTo("hello\necho me\n");
            }
            String pidLine = srv.awaitLog("tcpserver: pid \\d+ from 127.0.0.1");
            String pid = pidLine.split(" ")[2];
            srv.awaitLog("tcpserver: end " + pid + " status 0");
        }
        try (ServerProcess srv = server(null, "-1", "-RH", "-l", "local.example", "-x", cdb.toString(), "127.0.0.1", "0",
                "sh", "-c", "echo \"$PROTO|$TCPLOCALIP|$TCPLOCALPORT|$TCPLOCALHOST|$TCPREMOTEIP|${TCPREMOTEHOST-unset}|$X\"; exit 3");
                Socket s = srv.connect()) {
            assertThat(readAll(s)).isEqualTo("TCP|127.0.0.1|" + srv.port + "|local.example|127.0.0.1|unset|a b\n");
        }
    }

    @Test
    void hostNamesFromDnsWithAndWithoutParanoia() throws Exception {
        String name = java.net.InetAddress.getByAddress(new byte[] {127, 0, 0, 1}).getCanonicalHostName();
        String expected = name.equals("127.0.0.1") ? "unset" : name.toLowerCase(java.util.Locale.ROOT);
        for (String p : new String[] {"-P", "-p"}) {
            try (ServerProcess srv = server(null, "-1", "-R", p, "127.0.0.1", "0",
                    "sh", "-c", "echo \"${TCPREMOTEHOST-unset}|${TCPLOCALHOST-unset}\"");
                    Socket s = srv.connect()) {
                assertThat(readAll(s)).isEqualTo(expected + "|" + expected + "\n");
            }
        }
    }

    @Test
    void connectionLimit() throws Exception {
        try (ServerProcess srv = server(null, "-1", "-v", "-c", "1", "-RH", "-l0", "127.0.0.1", "0", "cat");
                Socket first = srv.connect(); Socket second = srv.connect()) {
            first.getOutputStream().write("1\n".getBytes());
            second.getOutputStream().write("2\n".getBytes());
            InputStream in1 = first.getInputStream();
            assertThat(in1.read()).isEqualTo('1');
            second.setSoTimeout(700);
            assertThat(readsNothing(second)).isTrue();
            first.close();
            second.setSoTimeout(20_000);
            assertThat(second.getInputStream().read()).isEqualTo('2');
            assertThat(srv.log).doesNotContain("tcpserver: status: 2/1");
        }
    }

    private static boolean readsNothing(Socket s) throws Exception {
        try {
            s.getInputStream().read();
            return false;
        } catch (java.net.SocketTimeoutException e) {
            return true;
        }
    }

    @Test
    void inProcessQmqpdAndQmtpd() throws Exception {
        QueueStub q = new QueueStub(dir);
        try (ServerProcess srv = server(q, "-1", "-v", "-RH", "-l0", "127.0.0.1", "0", "qmail-qmqpd"); Socket s = srv.connect()) {
            String body = "3:hi\n,3:a@b,14:c@test.example,";
            s.getOutputStream().write((body.length() + ":" + body + ",").getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readAll(s)).matches("\\d+:Kok \\d+ qp \\d+,");
            srv.awaitLog("tcpserver: end 1 status 0");
        }
        try (ServerProcess srv = server(q, "-1", "-RH", "-l0", "127.0.0.1", "0", "/var/qmail/bin/qmail-qmtpd"); Socket s = srv.connect()) {
            s.getOutputStream().write("4:\nhi\n,3:a@b,24:14:c@test.example,3:x@y,,".getBytes(StandardCharsets.ISO_8859_1));
            s.shutdownOutput();
            assertThat(readAll(s)).matches("\\d+:Kok \\d+ qp \\d+,66:Dsorry, that domain isn't in my list of allowed rcpthosts \\(#5.7.1\\),");
        }
        assertThat(q.messages()).hasSize(2);
        assertThat(q.messages().get(0)).matches("(?s)Received: from unknown \\(127.0.0.1\\)\n  by 0 with QMQP; .*\nhi\n");
        assertThat(q.envelopes()).contains("Fa@b\0Tc@test.example\0\0");
    }

    @Test
    void usage() throws Exception {
        List<String> c = new ArrayList<>(ServerProcess.java("org.qmailj.tcpserver.Tcpserver", null));
        c.addAll(List.of("-c", "0", "127.0.0.1", "0", "cat"));
        Cmd.Result r = Cmd.run(c, Map.of(), null, new byte[0], 30);
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.err()).startsWith("tcpserver: usage: tcpserver ");
    }
}
