package org.qmailj.tcpserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Scrape;

/**
 * tcpserver's /metrics for its in-process qmail-smtpd (control/statusaddr-smtpd, or
 * $STATUSADDR): exact counters after real SMTP sessions, the HTTP limits' answers, and
 * nothing listening when neither names an address.
 */
class SmtpdMetricsTest {
    @TempDir
    Path dir;

    private static final Pattern METRICS_ON = Pattern.compile("tcpserver: metrics on (\\S+):(\\d+)");

    private ServerProcess server(QueueStub q, Map<String, String> env) throws Exception {
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", q.home);
        c.addAll(List.of("-1", "-RH", "-l0", "127.0.0.1", "0", "qmail-smtpd"));
        Map<String, String> e = new HashMap<>(env);
        e.put("QMAILQUEUE", q.stub.toString());
        return new ServerProcess(c, e);
    }

    private static InetSocketAddress metricsAddress(ServerProcess srv) throws Exception {
        Matcher m = METRICS_ON.matcher(srv.awaitLog("tcpserver: metrics on .*"));
        assertTrue(m.matches());
        return new InetSocketAddress(InetAddress.getByName(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** One SMTP session: each command, and the reply's first three characters. */
    private static final class Session implements AutoCloseable {
        final Socket s;
        final BufferedReader in;
        final OutputStream out;

        Session(ServerProcess srv) throws IOException {
            s = srv.connect();
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            out = s.getOutputStream();
            assertEquals("220", reply());
        }

        String reply() throws IOException {
            String l;
            do {
                l = in.readLine();
                if (l == null) throw new IOException("connection closed");
            } while (l.length() > 3 && l.charAt(3) == '-');
            return l.substring(0, 3);
        }

        String cmd(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return reply();
        }

        /** MAIL, RCPT to each, DATA with {@code body} (CRLF lines), the reply to the final dot. */
        String message(String body, String... rcpts) throws IOException {
            assertEquals("250", cmd("MAIL FROM:<a@test.example>"));
            for (String r : rcpts) cmd("RCPT TO:<" + r + ">");
            assertEquals("354", cmd("DATA"));
            return cmd(body + ".");
        }

        @Override
        public void close() throws IOException {
            assertEquals("221", cmd("QUIT"));
            s.close();
        }
    }

    private static Map<String, Double> awaitSessionsEnded(InetSocketAddress a, int n) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        Map<String, Double> m;
        do {
            m = Scrape.metrics(a);
            if (m.get("qmail_smtpd_sessions_ended_total") == n) return m;
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("sessions ended: " + m.get("qmail_smtpd_sessions_ended_total"));
    }

    @Test
    void countsSessionsMessagesAndRejects() throws Exception {
        QueueStub q = new QueueStub(dir);
        q.control("databytes", "1000");
        q.control("statusaddr-smtpd", "127.0.0.1:0");
        String one = "Subject: one\r\n\r\nfirst\r\n";
        String two = "Subject: two\r\n\r\n..dot-stuffed\r\n";
        String three = "Subject: three\r\n\r\nthird\r\n";
        String big = "Subject: big\r\n\r\n" + "x".repeat(78).concat("\r\n").repeat(20);
        try (ServerProcess srv = server(q, Map.of())) {
            InetSocketAddress a = metricsAddress(srv);
            assertEquals(0.0, Scrape.metrics(a).get("qmail_smtpd_sessions_started_total"));
            try (Session s = new Session(srv)) {
                assertEquals("250", s.cmd("HELO x"));
                assertEquals("250", s.cmd("MAIL FROM:<a@test.example>"));
                assertEquals("553", s.cmd("RCPT TO:<b@elsewhere.example>"));
            }
            try (Session s = new Session(srv)) {
                assertEquals("250", s.message(one, "u@test.example", "v@elsewhere.example"));
                assertEquals("250", s.message(two, "u@test.example"));
            }
            try (Session s = new Session(srv)) {
                assertEquals("250", s.message(three, "u@test.example"));
                assertEquals("552", s.message(big, "u@test.example"));
            }
            assertEquals(3, q.messages().size());
            Map<String, Double> m = awaitSessionsEnded(a, 3);
            assertEquals(3.0, m.get("qmail_smtpd_sessions_started_total"));
            assertEquals(0.0, m.get("qmail_smtpd_sessions_current"));
            assertEquals(3.0, m.get("qmail_smtpd_messages_accepted_total"));
            // As queued: LF line ends, dots unstuffed, without the Received line.
            long bytes = (one + two.replace("..", ".") + three).replace("\r\n", "\n").length();
            assertEquals((double) bytes, m.get("qmail_smtpd_accepted_bytes_total"));
            assertEquals(2.0, m.get("qmail_smtpd_rejects_total{code=\"553\",reason=\"rcpthosts\"}"));
            assertEquals(1.0, m.get("qmail_smtpd_rejects_total{code=\"552\",reason=\"databytes\"}"));
            assertEquals(0.0, m.get("qmail_smtpd_rejects_total{code=\"554\",reason=\"hops\"}"));
            assertEquals(0.0, m.get("qmail_smtpd_rejects_total{code=\"451\",reason=\"timeout\"}"));
            double rejects = m.entrySet().stream().filter(e -> e.getKey().startsWith("qmail_smtpd_rejects_total"))
                    .mapToDouble(Map.Entry::getValue).sum();
            assertEquals(3.0, rejects);
            assertEquals(0.0, m.get("qmail_smtpd_tls_sessions_total"));
            assertTrue(m.get("jvm_threads_live") > 0);
            assertTrue(m.get("jvm_memory_heap_used_bytes") > 0);

            assertEquals(404, Scrape.get(a, "/", "GET").status());
            assertEquals(405, Scrape.get(a, "/metrics", "POST").status());
            assertEquals(200, Scrape.get(a, "/metrics", "HEAD").status());
        }
    }

    @Test
    void statusaddrFromTheEnvironmentWinsAndEmptyTurnsItOff() throws Exception {
        QueueStub q = new QueueStub(dir);
        try (ServerProcess srv = server(q, Map.of())) {
            new Session(srv).close();
            assertEquals(1, Scrape.listening(srv.process.pid()).size(), "only the SMTP port");
            assertFalse(srv.log.stream().anyMatch(l -> l.contains("metrics")), srv.log.toString());
        }
        q.control("statusaddr-smtpd", "127.0.0.1:0");
        try (ServerProcess srv = server(q, Map.of("STATUSADDR", ""))) {
            new Session(srv).close();
            assertEquals(1, Scrape.listening(srv.process.pid()).size(), "only the SMTP port");
            assertFalse(srv.log.stream().anyMatch(l -> l.contains("metrics")), srv.log.toString());
        }
        try (ServerProcess srv = server(q, Map.of("STATUSADDR", "127.0.0.1:0"))) {
            InetSocketAddress a = metricsAddress(srv);
            new Session(srv).close();
            assertEquals(2, Scrape.listening(srv.process.pid()).size(), "the SMTP port and /metrics");
            assertEquals(1.0, awaitSessionsEnded(a, 1).get("qmail_smtpd_sessions_started_total"));
        }
    }
}
