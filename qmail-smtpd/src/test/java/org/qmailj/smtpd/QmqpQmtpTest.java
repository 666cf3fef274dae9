package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** QMQP (qmail-qmqpc ↔ qmail-qmqpd) and QMTP, with strict netstrings. */
class QmqpQmtpTest {
    @TempDir
    Path dir;

    private static String ns(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1).length + ":" + s + ",";
    }

    private static LoopbackServer qmqpd(TestHome h) throws Exception {
        return new LoopbackServer(s -> h.env(), (e, w) -> QmqpdSession.serve(h.home(), e, w));
    }

    private static LoopbackServer qmtpd(TestHome h, String... env) throws Exception {
        return new LoopbackServer(s -> h.env(env), (e, w) -> QmtpdSession.serve(h.home(), e, w));
    }

    private static int qmqpc(TestHome h, String message, String envelope) {
        return QmailQmqpc.run(h.home(), new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)),
                new ByteArrayInputStream(envelope.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void qmqpcToQmqpd() throws Exception {
        TestHome h = new TestHome(dir.resolve("a"));
        try (LoopbackServer srv = qmqpd(h)) {
            h.control("qmqpservers", "127.0.0.1:1\n127.0.0.1:" + srv.port());
            assertThat(qmqpc(h, "Subject: q\n\nbody\n", "Fme@example.net\0Tyou@anywhere.example\0Tb@c\0\0")).isZero();
            assertThat(h.queued()).hasSize(1);
            assertThat(h.queued().get(0).message()).matches(
                    "Received: from unknown \\(127.0.0.1\\)\n  by 127.0.0.1 with QMQP; .* -0000\nSubject: q\n\nbody\n");
            assertThat(h.queued().get(0).envelope()).isEqualTo("Fme@example.net\0Tyou@anywhere.example\0Tb@c\0\0");
            h.queueExit(31, null);
            assertThat(qmqpc(h, "x\n", "Fa\0Tb\0\0")).isEqualTo(31);
            h.queueExit(51, null);
            assertThat(qmqpc(h, "x\n", "Fa\0Tb\0\0")).isEqualTo(71);
            assertThat(qmqpc(h, "x\n", "Fa\0Tb\0")).isEqualTo(91);
            assertThat(qmqpc(h, "x\n", "Xa\0\0")).isEqualTo(91);
        }
        h.control("qmqpservers", "127.0.0.1:1");
        assertThat(qmqpc(h, "x\n", "Fa\0Tb\0\0")).isEqualTo(73);
        Files.delete(h.root.resolve("control/qmqpservers"));
        assertThat(qmqpc(h, "x\n", "Fa\0Tb\0\0")).isEqualTo(55);
    }

    @Test
    void qmqpdAnswersAndStrictNetstrings() throws Exception {
        TestHome h = new TestHome(dir);
        try (LoopbackServer srv = qmqpd(h)) {
            String body = ns("hello\n") + ns("a@b") + ns("c@d");
            try (SmtpClient c = srv.connect()) {
                c.send(ns(body));
                assertThat(c.rest()).matches("\\d+:Kok \\d+ qp \\d+,");
            }
            String bad = ns("hello\n") + ns("a@b") + ns("c\0d");
            try (SmtpClient c = srv.connect()) {
                assertThat(c.send(ns(bad)).rest()).isEqualTo("51:Dsorry, I can't accept addresses like that (#5.1.3),");
            }
            String[] malformed = {
                "1a:" + body + ",", ":" + body + ",", ns(body).replaceFirst(",$", ";"),
                (body.length() - 3) + ":" + body + ",", "99999999999:x", "5:1:x,,,", "-5:" + body + ",",
            };
            for (String m : malformed) {
                try (SmtpClient c = srv.connect()) {
                    assertThat(c.send(m).rest()).as(m).isEmpty();
                }
            }
            // Every session was accepted (each got its answer): wait for all of them to end.
            for (var f : srv.exits) f.get(20, TimeUnit.SECONDS);
            long refused = srv.exits.stream().filter(f -> f.join() == 100).count();
            assertThat(refused).isEqualTo(malformed.length);
        }
        assertThat(h.queued()).hasSize(1);
        assertThat(h.leftovers()).isEmpty();
    }

    @Test
    void qmtpPipelinedMessagesAndPerRecipientAnswers() throws Exception {
        TestHome h = new TestHome(dir).control("rcpthosts", "test.example");
        try (LoopbackServer srv = qmtpd(h, "TCPREMOTEHOST", "peer.example"); SmtpClient c = srv.connect()) {
            String m1 = ns("\nline\r\nlf\n") + ns("s@example.net") + ns(ns("a@test.example") + ns("b@elsewhere.example"));
            String m2 = ns("\rcr\r\nlf\r\r\nlone\rx\r") + ns("") + ns(ns("c@test.example"));
            String m3 = ns("\nx") + ns("s\0x") + ns(ns("c@test.example"));
            String m4 = ns("\nx") + ns("s") + ns(ns("x".repeat(1000) + "@test.example") + ns("n\0@test.example"));
            c.send(m1 + m2 + m3 + m4);
            c.socket.shutdownOutput();
            String out = c.rest();
            assertThat(out).matches("\\d+:Kok \\d+ qp \\d+,"
                    + "66:Dsorry, that domain isn't in my list of allowed rcpthosts \\(#5.7.1\\),"
                    + "\\d+:Kok \\d+ qp \\d+,"
                    + "29:Dunacceptable sender \\(#5.1.7\\),"
                    + "46:Dsorry, I can't handle that recipient \\(#5.1.3\\),"
                    + "46:Dsorry, I can't handle that recipient \\(#5.1.3\\),");
            assertThat(srv.exits.peek().get(10, TimeUnit.SECONDS)).isZero();
        }
        assertThat(h.queued()).hasSize(2);
        assertThat(h.queued().get(0).message()).matches(
                "Received: from peer.example \\(127.0.0.1\\)\n  by 127.0.0.1 with QMTP; .* -0000\nline\r\nlf\n");
        assertThat(h.queued().get(0).envelope()).isEqualTo("Fs@example.net\0Ta@test.example\0\0");
        assertThat(h.queued().get(1).message()).endsWith("-0000\ncr\nlf\r\nlone\rx\r");
        assertThat(h.queued().get(1).envelope()).isEqualTo("F\0Tc@test.example\0\0");
    }

    @Test
    void qmtpDatabytesRelayclientAndProtocolErrors() throws Exception {
        TestHome h = new TestHome(dir).control("rcpthosts", "test.example").control("databytes", "5");
        try (LoopbackServer srv = qmtpd(h, "RELAYCLIENT", ""); SmtpClient c = srv.connect()) {
            c.send(ns("\n123456") + ns("s") + ns(ns("x@elsewhere.example")));
            c.send(ns("\r12\r\n34") + ns("s") + ns(ns("x@elsewhere.example")));
            c.socket.shutdownOutput();
            assertThat(c.rest()).matches("61:Dsorry, that message size exceeds my databytes limit \\(#5.3.4\\),\\d+:Kok \\d+ qp \\d+,");
        }
        assertThat(h.queued()).hasSize(1);
        assertThat(h.queued().get(0).envelope()).isEqualTo("Fs\0Tx@elsewhere.example\0\0");
        String[] malformed = {"0:,", "3:xab,", "x:", "2:\na;" , ns("\na") + ns("s") + "5:1:x,,", ns("\na") + ns("s") + ns("3:x,")};
        for (String m : malformed) {
            try (LoopbackServer srv = qmtpd(h); SmtpClient c = srv.connect()) {
                c.send(m);
                c.socket.shutdownOutput();
                assertThat(c.rest()).as(m).isEmpty();
                assertThat(srv.exits.peek().get(10, TimeUnit.SECONDS)).as(m).isEqualTo(100);
            }
        }
        assertThat(h.queued()).hasSize(1);
        assertThat(h.leftovers()).isEmpty();
    }

    private static String rcpts(int n, String prefix) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append(ns(prefix + i + "@test.example"));
        return b.toString();
    }

    @Test
    void qmqpRefusesTooManyRecipientsAndTooLongAListWithD() throws Exception {
        TestHome h = new TestHome(dir).control("maxrcpt", "3").control("maxrcptbytes", "63");
        try (LoopbackServer srv = qmqpd(h)) {
            try (SmtpClient c = srv.connect()) {
                c.send(ns(ns("m\n") + ns("s@x") + rcpts(4, "r")));
                assertThat(c.rest()).isEqualTo("36:Dsorry, too many recipients (#5.5.3),");
            }
            try (SmtpClient c = srv.connect()) {
                // 20 + 1 bytes each: exactly 63.
                c.send(ns(ns("m\n") + ns("s@x") + rcpts(3, "long-r")));
                assertThat(c.rest()).matches("\\d+:Kok \\d+ qp \\d+,");
            }
            try (SmtpClient c = srv.connect()) {
                c.send(ns(ns("m\n") + ns("s@x") + ns("x".repeat(50) + "@test.example")));
                assertThat(c.rest()).isEqualTo("47:Dsorry, the recipient list is too long (#5.5.3),");
            }
        }
        assertThat(h.queued()).hasSize(1);
        assertThat(h.queued().get(0).envelope()).isEqualTo(
                "Fs@x\0Tlong-r0@test.example\0Tlong-r1@test.example\0Tlong-r2@test.example\0\0");
        assertThat(h.leftovers()).isEmpty();
    }

    @Test
    void qmtpAnswersZToRecipientsBeyondTheLimitsAndGoesOn() throws Exception {
        TestHome h = new TestHome(dir).control("rcpthosts", "test.example").control("maxrcpt", "4")
                .control("maxrcptbytes", "32");
        try (LoopbackServer srv = qmtpd(h); SmtpClient c = srv.connect()) {
            // The first four are judged: r0 (15 + 1 bytes), a domain not in rcpthosts, r2 (32
            // bytes so far), r3, which would pass 32; r4 and r5 are beyond maxrcpt.
            String list = ns("r0@test.example") + ns("r1@elsewhere.example") + ns("r2@test.example")
                    + ns("r3@test.example") + ns("r4@test.example") + ns("r5@test.example");
            c.send(ns("\nm") + ns("s") + ns(list));
            c.send(ns("\nm2") + ns("s") + ns(ns("z@test.example")));
            c.socket.shutdownOutput();
            assertThat(c.rest()).matches("\\d+:Kok \\d+ qp \\d+,"
                    + "66:Dsorry, that domain isn't in my list of allowed rcpthosts \\(#5.7.1\\),"
                    + "\\d+:Kok \\d+ qp \\d+,"
                    + "47:Zsorry, the recipient list is too long \\(#4.5.3\\),"
                    + "36:Zsorry, too many recipients \\(#4.5.3\\),"
                    + "36:Zsorry, too many recipients \\(#4.5.3\\),"
                    + "\\d+:Kok \\d+ qp \\d+,");
            assertThat(srv.exits.peek().get(10, TimeUnit.SECONDS)).isZero();
        }
        assertThat(h.queued()).hasSize(2);
        assertThat(h.queued().get(0).envelope()).isEqualTo("Fs\0Tr0@test.example\0Tr2@test.example\0\0");
        assertThat(h.queued().get(1).envelope()).isEqualTo("Fs\0Tz@test.example\0\0");
    }
}
