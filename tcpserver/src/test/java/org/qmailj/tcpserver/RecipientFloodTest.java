package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recipient floods against tcpserver at a 32 MB heap running qmail-smtpd, qmail-qmqpd and
 * qmail-qmtpd in-process: 100,000 recipients, and 20,000 recipients of 900 bytes (18 MB of
 * addresses). Each gets the protocol's refusals for what passes maxrcpt and maxrcptbytes,
 * the connection goes on (or ends cleanly, for QMQP), other clients are served, and nothing
 * is queued for a refused envelope.
 */
class RecipientFloodTest {
    static final int FLOOD = 100_000;
    static final int HUGE = 20_000;
    /** An address of 900 bytes: 18 of them (901 bytes each with the NUL) fit in 16,384. */
    static final String LONG = "x".repeat(887) + "@test.example";
    static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "flood-writer");
        t.setDaemon(true);
        return t;
    });

    @TempDir
    Path dir;

    private ServerProcess server(QueueStub q, String program, String... env) throws Exception {
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", q.home);
        c.add(1, "-Xmx32m");
        c.add(2, "-XX:+UseSerialGC");
        c.addAll(List.of("-1", "-RH", "-l0", "127.0.0.1", "0", program));
        Map<String, String> e = new HashMap<>(Map.of("QMAILQUEUE", q.stub.toString()));
        for (int i = 0; i + 1 < env.length; i += 2) e.put(env[i], env[i + 1]);
        return new ServerProcess(c, e);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            if (c == '\n') break;
        }
        return b.toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Greeting and QUIT on a second connection: the server answers others. */
    private static void probeSmtp(ServerProcess srv) throws IOException {
        try (Socket s = srv.connect()) {
            s.getOutputStream().write(bytes("QUIT\r\n"));
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("220 test.example ESMTP\r\n221 test.example\r\n");
        }
    }

    /** Sends MAIL, {@code n} RCPTs to {@code rcpt(i)}, DATA and a message; counts the replies. */
    private static Map<String, Integer> smtpFlood(ServerProcess srv, int n, java.util.function.IntFunction<String> rcpt)
            throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        try (Socket s = srv.connect()) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            assertThat(line(in)).isEqualTo("220 test.example ESMTP\r\n");
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = new BufferedOutputStream(s.getOutputStream(), 65536);
                    out.write(bytes("MAIL FROM:<a@b>\r\n"));
                    for (int i = 0; i < n; i++) out.write(bytes("RCPT TO:<" + rcpt.apply(i) + ">\r\n"));
                    out.write(bytes("DATA\r\n"));
                    out.flush();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, THREADS);
            assertThat(line(in)).isEqualTo("250 ok\r\n");
            for (int i = 0; i < n; i++) {
                counts.merge(line(in), 1, Integer::sum);
                if (i == n / 2) probeSmtp(srv);
            }
            writer.get(60, TimeUnit.SECONDS);
            assertThat(line(in)).isEqualTo("354 go ahead\r\n");
            s.getOutputStream().write(bytes("hi\r\n.\r\nQUIT\r\n"));
            assertThat(line(in)).matches("250 ok \\d+ qp \\d+\r\n");
            assertThat(line(in)).isEqualTo("221 test.example\r\n");
        }
        return counts;
    }

    @Test
    void smtpHundredThousandRecipients() throws Exception {
        QueueStub q = new QueueStub(dir);
        try (ServerProcess srv = server(q, "qmail-smtpd")) {
            Map<String, Integer> counts = smtpFlood(srv, FLOOD, i -> "r" + i + "@test.example");
            assertThat(counts).isEqualTo(Map.of("250 ok\r\n", 100, "452 sorry, too many recipients (#4.5.3)\r\n", FLOOD - 100));
            probeSmtp(srv);
        }
        assertThat(q.envelopes()).hasSize(1);
        assertThat(q.envelopes().get(0).split("\0T", -1)).hasSize(101);
        assertThat(q.envelopes().get(0)).endsWith("\0Tr99@test.example\0\0");
    }

    @Test
    void smtpEighteenMegabytesOfRecipients() throws Exception {
        QueueStub q = new QueueStub(dir);
        try (ServerProcess srv = server(q, "qmail-smtpd", "MAXRCPT", "1000000")) {
            Map<String, Integer> counts = smtpFlood(srv, HUGE, i -> LONG.substring(0, 880));
            assertThat(counts).isEqualTo(Map.of("250 ok\r\n", 18,
                    "552 sorry, the recipient list is too long (#5.5.3)\r\n", HUGE - 18));
            probeSmtp(srv);
        }
        assertThat(q.envelopes()).hasSize(1);
        assertThat(q.envelopes().get(0).split("\0T", -1)).hasSize(19);
    }

    private static String ns(String s) {
        return bytes(s).length + ":" + s + ",";
    }

    /** Writes the netstring of {@code count} recipient netstrings, generated as they go out. */
    private static void recipients(OutputStream out, int count, java.util.function.IntFunction<String> rcpt)
            throws IOException {
        long len = 0;
        for (int i = 0; i < count; i++) len += ns(rcpt.apply(i)).length();
        out.write(bytes(len + ":"));
        for (int i = 0; i < count; i++) out.write(bytes(ns(rcpt.apply(i))));
        out.write(',');
    }

    /** One netstring from {@code in}, or null at the end. */
    private static String netstring(InputStream in) throws IOException {
        int len = 0;
        int c;
        while ((c = in.read()) != ':') {
            if (c < 0) return null;
            len = len * 10 + (c - '0');
        }
        String s = new String(in.readNBytes(len), StandardCharsets.ISO_8859_1);
        assertThat(in.read()).isEqualTo(',');
        return s;
    }

    /** A QMQP packet: the message, the sender, then {@code count} recipients. */
    private static String qmqp(ServerProcess srv, int count, java.util.function.IntFunction<String> rcpt) throws IOException {
        try (Socket s = srv.connect()) {
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 65536);
            String head = ns("Subject: flood\n\nhi\n") + ns("a@b");
            long len = head.length();
            for (int i = 0; i < count; i++) len += ns(rcpt.apply(i)).length();
            out.write(bytes(len + ":" + head));
            for (int i = 0; i < count; i++) out.write(bytes(ns(rcpt.apply(i))));
            out.write(',');
            out.flush();
            String answer = netstring(new BufferedInputStream(s.getInputStream()));
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            return answer;
        }
    }

    @Test
    void qmqpFloodsAreRefusedWithDAndNothingIsQueued() throws Exception {
        QueueStub q = new QueueStub(dir);
        try (ServerProcess srv = server(q, "qmail-qmqpd")) {
            assertThat(qmqp(srv, FLOOD, i -> "r" + i + "@test.example")).isEqualTo("Dsorry, too many recipients (#5.5.3)");
            assertThat(qmqp(srv, HUGE, i -> LONG)).isEqualTo("Dsorry, the recipient list is too long (#5.5.3)");
            assertThat(q.messages()).isEmpty();
            assertThat(qmqp(srv, 2, i -> "r" + i + "@test.example")).matches("Kok \\d+ qp \\d+");
        }
        assertThat(q.envelopes()).containsExactly("Fa@b\0Tr0@test.example\0Tr1@test.example\0\0");
        assertThat(q.leftovers()).isEmpty();
    }

    @Test
    void qmtpFloodsGetZForTheRestAndTheConnectionGoesOn() throws Exception {
        QueueStub q = new QueueStub(dir);
        try (ServerProcess srv = server(q, "qmail-qmtpd"); Socket s = srv.connect()) {
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 65536);
            InputStream in = new BufferedInputStream(s.getInputStream());
            String tooMany = "Zsorry, too many recipients (#4.5.3)";
            String tooLong = "Zsorry, the recipient list is too long (#4.5.3)";

            out.write(bytes(ns("\nflood 1\n") + ns("a@b")));
            recipients(out, FLOOD, i -> "r" + i + "@test.example");
            out.flush();
            for (int i = 0; i < 100; i++) assertThat(netstring(in)).matches("Kok \\d+ qp \\d+");
            for (int i = 100; i < FLOOD; i++) assertThat(netstring(in)).isEqualTo(tooMany);

            try (Socket other = srv.connect()) {
                other.getOutputStream().write(bytes(ns("\nother\n") + ns("c@d") + ns(ns("o@test.example"))));
                assertThat(netstring(new BufferedInputStream(other.getInputStream()))).matches("Kok \\d+ qp \\d+");
            }

            out.write(bytes(ns("\nflood 2\n") + ns("a@b")));
            recipients(out, HUGE, i -> LONG);
            out.write(bytes(ns("\nlast\n") + ns("a@b") + ns(ns("z@test.example"))));
            out.flush();
            s.shutdownOutput();
            for (int i = 0; i < 18; i++) assertThat(netstring(in)).matches("Kok \\d+ qp \\d+");
            for (int i = 18; i < 100; i++) assertThat(netstring(in)).isEqualTo(tooLong);
            for (int i = 100; i < HUGE; i++) assertThat(netstring(in)).isEqualTo(tooMany);
            assertThat(netstring(in)).matches("Kok \\d+ qp \\d+");
            assertThat(netstring(in)).isNull();
            assertThat(srv.process.isAlive()).isTrue();
        }
        List<String> envelopes = q.envelopes();
        assertThat(envelopes).hasSize(4);
        assertThat(envelopes.get(0).split("\0T", -1)).hasSize(101);
        assertThat(envelopes.get(1)).isEqualTo("Fc@d\0To@test.example\0\0");
        assertThat(envelopes.get(2).split("\0T", -1)).hasSize(19);
        assertThat(envelopes.get(3)).isEqualTo("Fa@b\0Tz@test.example\0\0");
    }

    /**
     * The budget's arithmetic, measured: 400 sessions (the sandbox's -c) each holding a
     * 4 KiB HELO name and a full envelope (100 recipients, 16,300 bytes) in a 64 MB heap.
     */
    @Test
    void fourHundredFullEnvelopesFitIn64Megabytes() throws Exception {
        QueueStub q = new QueueStub(dir);
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", q.home);
        c.add(1, "-Xmx64m");
        c.add(2, "-XX:+UseSerialGC");
        c.addAll(List.of("-1", "-c", "400", "-b", "400", "-RH", "-l0", "127.0.0.1", "0", "qmail-smtpd"));
        List<Socket> sockets = new java.util.ArrayList<>();
        try (ServerProcess srv = new ServerProcess(c, Map.of("QMAILQUEUE", q.stub.toString()))) {
            StringBuilder b = new StringBuilder("HELO " + "h".repeat(4090) + "\r\nMAIL FROM:<a@b>\r\n");
            // 149 + "@test.example": 162 bytes, 163 with the NUL, 16,300 for 100.
            for (int i = 0; i < 100; i++) b.append("RCPT TO:<").append(String.format("%0149d", i)).append("@test.example>\r\n");
            byte[] session = bytes(b.toString());
            try {
                for (int i = 0; i < 400; i++) {
                    Socket s = srv.connect();
                    sockets.add(s);
                    s.getOutputStream().write(session);
                }
                for (Socket s : sockets) {
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    assertThat(line(in)).isEqualTo("220 test.example ESMTP\r\n");
                    assertThat(line(in)).isEqualTo("250 test.example\r\n");
                    for (int i = 0; i < 101; i++) assertThat(line(in)).isEqualTo("250 ok\r\n");
                }
                String histogram = NoopFloodTest.jcmd(srv.process.pid(), "GC.class_histogram");
                java.util.regex.Matcher total = java.util.regex.Pattern.compile("(?m)^Total\\s+(\\d+)\\s+(\\d+)").matcher(histogram);
                assertThat(total.find()).isTrue();
                long live = Long.parseLong(total.group(2));
                System.out.printf("RecipientFloodTest: 400 full envelopes, live heap %d bytes%n", live);
                assertThat(live).as("live heap bytes").isLessThan(32L << 20);
                for (Socket s : sockets) s.getOutputStream().write(bytes("QUIT\r\n"));
                for (Socket s : sockets) {
                    assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
                            .isEqualTo("221 test.example\r\n");
                }
            } finally {
                for (Socket s : sockets) s.close();
            }
        }
    }
}
