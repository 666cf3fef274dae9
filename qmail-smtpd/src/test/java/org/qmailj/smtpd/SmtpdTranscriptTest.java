package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.cdb.CdbWriter;

/** qmail-smtpd's replies byte for byte over loopback, in-process as tcpserver runs it. */
class SmtpdTranscriptTest {
    @TempDir
    Path dir;

    private TestHome home() throws Exception {
        return new TestHome(dir).control("rcpthosts", "test.example\n.wild.example");
    }

    private static final String DATE = "\\d{1,2} [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d -0000\n";

    @Test
    void everyPlainReply() throws Exception {
        TestHome h = home();
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            assertThat(c.reply()).isEqualTo("220 test.example ESMTP\r\n");
            assertThat(c.send("HELO x\r\n").reply()).isEqualTo("250 test.example\r\n");
            assertThat(c.send("EHLO x\r\n").reply())
                    .isEqualTo("250-test.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE\r\n250 SMTPUTF8\r\n");
            assertThat(c.send("NOOP\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("VRFY root\r\n").reply()).isEqualTo("252 send some mail, i'll try my best\r\n");
            assertThat(c.send("HELP\r\n").reply()).isEqualTo("214 netqmail home page: http://qmail.org/netqmail\r\n");
            assertThat(c.send("EXPN x\r\n").reply()).isEqualTo("502 unimplemented (#5.5.1)\r\n");
            assertThat(c.send("\r\n").reply()).isEqualTo("502 unimplemented (#5.5.1)\r\n");
            assertThat(c.send("RCPT TO:<a@test.example>\r\n").reply()).isEqualTo("503 MAIL first (#5.5.1)\r\n");
            assertThat(c.send("DATA\r\n").reply()).isEqualTo("503 MAIL first (#5.5.1)\r\n");
            assertThat(c.send("mail from:<a@b>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("DATA\r\n").reply()).isEqualTo("503 RCPT first (#5.5.1)\r\n");
            assertThat(c.send("RSET\r\n").reply()).isEqualTo("250 flushed\r\n");
            assertThat(c.send("RCPT TO:<a@test.example>\r\n").reply()).isEqualTo("503 MAIL first (#5.5.1)\r\n");
            assertThat(c.send("MAIL FROM:<" + "x".repeat(900) + ">\r\n").reply()).isEqualTo("555 syntax error (#5.5.4)\r\n");
            assertThat(c.send("QUIT\r\n").reply()).isEqualTo("221 test.example\r\n");
            assertThat(c.rest()).isEmpty();
            assertThat(srv.exits.peek().get(10, TimeUnit.SECONDS)).isZero();
        }
    }

    /** TEST.receive.md, test 1, as typed into telnet (which sends CR LF). */
    @Test
    void testReceiveWalkThrough() throws Exception {
        TestHome h = new TestHome(dir).control("me", "domain").control("rcpthosts", "domain");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            assertThat(c.reply()).isEqualTo("220 domain ESMTP\r\n");
            assertThat(c.send("helo dude\r\n").reply()).isEqualTo("250 domain\r\n");
            assertThat(c.send("mail <me@domain>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("rcpt <me@domain>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("data\r\n").reply()).isEqualTo("354 go ahead\r\n");
            assertThat(c.send("Subject: testing\r\n\r\nThis is a test.\r\n.\r\n").reply()).matches("250 ok \\d+ qp \\d+\r\n");
            assertThat(c.send("quit\r\n").reply()).isEqualTo("221 domain\r\n");
            assertThat(c.rest()).isEmpty();
        }
        assertThat(h.queued().get(0).envelope()).isEqualTo("Fme@domain\0Tme@domain\0\0");
        assertThat(h.queued().get(0).message()).endsWith("\nSubject: testing\n\nThis is a test.\n")
                .startsWith("Received: from unknown (HELO dude) (127.0.0.1)\n");
    }

    @Test
    void acceptedMessageWithReceivedLineAndEnvelope() throws Exception {
        TestHome h = home();
        Map<String, String> env = h.env("TCPREMOTEHOST", "client.example", "TCPREMOTEINFO", "joe",
                "TCPLOCALHOST", "mx.test.example");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, env); SmtpClient c = srv.connect()) {
            c.reply();
            assertThat(c.send("HELO other name\r\n").reply()).isEqualTo("250 test.example\r\n");
            c.send("MAIL FROM:<joe@client.example>\r\n").reply();
            assertThat(c.send("RCPT TO:<\"a b\"@test.example>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("RCPT TO:<@r1,@r2:c\\d@x.wild.example>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("RCPT TO:nobody\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("DATA\r\n").reply()).isEqualTo("354 go ahead\r\n");
            c.send("Subject: hi\r\n\r\n..dot\r\n.x\r\nlone\rcr\r\n.\rnot end\r\n.\r\n");
            assertThat(c.reply()).matches("250 ok \\d+ qp \\d+\r\n");
            c.send("QUIT\r\n").reply();
        }
        List<TestHome.Queued> q = h.queued();
        assertThat(q).hasSize(1);
        assertThat(q.get(0).message()).matches(
                "Received: from client.example \\(HELO other\\?name\\) \\(joe@127.0.0.1\\)\n"
                + "  by mx.test.example with SMTP; " + DATE
                + "Subject: hi\n\n.dot\nx\nlone\rcr\n.\rnot end\n");
        assertThat(q.get(0).envelope()).isEqualTo("Fjoe@client.example\0Ta b@test.example\0Tcd@x.wild.example\0Tnobody\0\0");
    }

    @Test
    void receivedLineWithoutHeloOrInfo() throws Exception {
        TestHome h = home();
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
            assertThat(c.reply() + c.reply() + c.reply()).isEqualTo("250 ok\r\n250 ok\r\n354 go ahead\r\n");
            c.send("hello\r\n.\r\n");
            assertThat(c.reply()).startsWith("250 ok ");
            assertThat(c.send("HELO UNKNOWN\r\n").reply()).isEqualTo("250 test.example\r\n");
            c.send("MAIL FROM:<>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
            c.reply(); c.reply(); c.reply();
            c.send("hello\r\n.\r\n").reply();
        }
        List<TestHome.Queued> q = h.queued();
        assertThat(q.get(0).message()).matches("Received: from unknown \\(127.0.0.1\\)\n  by 127.0.0.1 with SMTP; " + DATE + "hello\n");
        assertThat(q.get(0).envelope()).isEqualTo("F\0Tx@test.example\0\0");
        // HELO equal to the remote host name (ignoring case) is not shown.
        assertThat(q.get(1).message()).startsWith("Received: from unknown (127.0.0.1)\n");
    }

    @Test
    void rcpthostsAndMorercpthostsAndRelayclient() throws Exception {
        TestHome h = home();
        try (CdbWriter w = CdbWriter.create(h.root.resolve("control/morercpthosts.cdb"))) {
            w.add("more.example", "");
            w.finish();
        }
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<a@b>\r\n").reply();
            String nogw = "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n";
            assertThat(c.send("RCPT TO:<x@elsewhere.example>\r\n").reply()).isEqualTo(nogw);
            assertThat(c.send("RCPT TO:<x@wild.example>\r\n").reply()).isEqualTo(nogw);
            assertThat(c.send("RCPT TO:<x@A.Wild.Example>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("RCPT TO:<x@TEST.example>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("RCPT TO:<x@more.example>\r\n").reply()).isEqualTo("250 ok\r\n");
            // morercpthosts.cdb keys match the whole domain or a suffix starting with a dot, as in rcpthosts.
            assertThat(c.send("RCPT TO:<x@sub.more.example>\r\n").reply()).isEqualTo(nogw);
            assertThat(c.send("RCPT TO:<x@bmore.example>\r\n").reply()).isEqualTo(nogw);
        }
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env("RELAYCLIENT", "@fix.me")); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<a@b>\r\nRCPT TO:<x@elsewhere.example>\r\nDATA\r\n");
            assertThat(c.reply() + c.reply() + c.reply()).isEqualTo("250 ok\r\n250 ok\r\n354 go ahead\r\n");
            c.send(".\r\n").reply();
        }
        assertThat(h.queued().get(0).envelope()).isEqualTo("Fa@b\0Tx@elsewhere.example@fix.me\0\0");
    }

    @Test
    void badmailfrom() throws Exception {
        TestHome h = home().control("badmailfrom", "spam@evil.example\n@worse.example");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            String bmf = "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)\r\n";
            assertThat(c.send("MAIL FROM:<SPAM@evil.example>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("RCPT TO:<x@test.example>\r\n").reply()).isEqualTo(bmf);
            c.send("MAIL FROM:<anyone@worse.example>\r\n").reply();
            assertThat(c.send("RCPT TO:<x@test.example>\r\n").reply()).isEqualTo(bmf);
            c.send("MAIL FROM:<ok@evil.example>\r\n").reply();
            assertThat(c.send("RCPT TO:<x@test.example>\r\n").reply()).isEqualTo("250 ok\r\n");
        }
    }

    @Test
    void localiphostReplacesOwnIpLiterals() throws Exception {
        TestHome h = home().control("localiphost", "test.example");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<a@b>\r\n").reply();
            assertThat(c.send("RCPT TO:<box@[127.0.0.1]>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("RCPT TO:<box@[192.0.2.1]>\r\n").reply()).startsWith("553 ");
            c.send("DATA\r\n").reply();
            c.send(".\r\n").reply();
        }
        assertThat(h.queued().get(0).envelope()).isEqualTo("Fa@b\0Tbox@test.example\0\0");
    }

    @Test
    void databytesFromControlAndEnvironment() throws Exception {
        TestHome h = home().control("databytes", "10");
        String big = "552 sorry, that message size exceeds my databytes limit (#5.3.4)\r\n";
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
            c.reply(); c.reply(); c.reply();
            assertThat(c.send("123456789\r\n.\r\n").reply()).startsWith("250 ok ");
            c.send("MAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
            c.reply(); c.reply(); c.reply();
            assertThat(c.send("1234567890\r\nmore\r\n.\r\n").reply()).isEqualTo(big);
            assertThat(c.send("NOOP\r\n").reply()).isEqualTo("250 ok\r\n");
        }
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env("DATABYTES", "3")); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
            c.reply(); c.reply(); c.reply();
            assertThat(c.send("abcd\r\n.\r\n").reply()).isEqualTo(big);
        }
        assertThat(h.queued()).hasSize(1);
        assertThat(h.leftovers()).isEmpty();
    }

    @Test
    void bareLinefeedIs451AndDrops() throws Exception {
        TestHome h = home();
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
            c.reply(); c.reply(); c.reply();
            c.send("line\nbare\r\n.\r\n");
            assertThat(c.reply()).isEqualTo("451 See http://pobox.com/~djb/docs/smtplf.html.\r\n");
            assertThat(c.rest()).isEmpty();
            assertThat(srv.exits.peek().get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
        Thread.sleep(200);
        assertThat(h.queued()).isEmpty();
        assertThat(h.leftovers()).isEmpty();
    }

    @Test
    void hundredHopsAreLooping() throws Exception {
        TestHome h = home();
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
            c.reply(); c.reply(); c.reply();
            c.send("Received: x\r\n".repeat(50) + "Delivered-To: y\r\n".repeat(49) + "\r\nReceived: body\r\n.\r\n");
            assertThat(c.reply()).startsWith("250 ok ");
            c.send("MAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
            c.reply(); c.reply(); c.reply();
            c.send("RECEIVED: x\r\n".repeat(50) + "delivered-to: y\r\n".repeat(50) + "\r\n.\r\n");
            assertThat(c.reply()).isEqualTo("554 too many hops, this message is looping (#5.4.6)\r\n");
        }
        assertThat(h.queued()).hasSize(1);
    }

    @Test
    void everyQueueAnswer() throws Exception {
        TestHome h = home();
        Object[][] cases = {
            {11, null, "554 envelope address too long for qq (#5.1.3)\r\n"},
            {31, null, "554 mail server permanently rejected message (#5.3.0)\r\n"},
            {51, null, "451 qq out of memory (#4.3.0)\r\n"},
            {53, null, "451 qq write error or disk full (#4.3.0)\r\n"},
            {71, null, "451 mail server temporarily rejected message (#4.3.0)\r\n"},
            {81, null, "451 qq internal bug (#4.3.0)\r\n"},
            {25, null, "554 qq permanent problem (#5.3.0)\r\n"},
            {99, null, "451 qq temporary problem (#4.3.0)\r\n"},
            {82, "Dno such luck (#5.1.1)\n", "554 no such luck (#5.1.1)\r\n"},
            {82, "Ztry later (#4.3.0)", "451 try later (#4.3.0)\r\n"},
        };
        for (Object[] k : cases) {
            h.queueExit((Integer) k[0], (String) k[1]);
            try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
                c.reply();
                c.send("MAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
                c.reply(); c.reply(); c.reply();
                assertThat(c.send("x\r\n.\r\n").reply()).as("exit " + k[0]).isEqualTo(k[2]);
            }
        }
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env("QMAILQUEUE", dir.resolve("none").toString()));
                SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
            c.reply(); c.reply(); c.reply();
            assertThat(c.send("x\r\n.\r\n").reply()).isEqualTo("451 unable to exec qq (#4.3.0)\r\n");
        }
        java.nio.file.Files.writeString(h.stub, "#!/bin/sh\nkill -9 $$\n");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
            c.reply(); c.reply(); c.reply();
            assertThat(c.send("x\r\n.\r\n").reply()).isEqualTo("451 qq crashed (#4.3.0)\r\n");
        }
        assertThat(h.queued()).isEmpty();
    }

    @Test
    void timeoutAndControls() throws Exception {
        TestHome h = home().control("timeoutsmtpd", "1").control("smtpgreeting", "greet.example hello there");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            assertThat(c.reply()).isEqualTo("220 greet.example hello there ESMTP\r\n");
            long t0 = System.nanoTime();
            assertThat(c.reply()).isEqualTo("451 timeout (#4.4.2)\r\n");
            assertThat(System.nanoTime() - t0).isBetween(500_000_000L, 5_000_000_000L);
            assertThat(c.rest()).isEmpty();
        }
        java.nio.file.Files.delete(h.root.resolve("control/me"));
        java.nio.file.Files.delete(h.root.resolve("control/smtpgreeting"));
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            assertThat(c.rest()).isEqualTo("421 unable to read controls (#4.3.0)\r\n");
        }
        h.control("me", "test.example").control("databytes", "12x");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            assertThat(c.rest()).isEqualTo("421 unable to read controls (#4.3.0)\r\n");
        }
    }

    @Test
    void recipientsBeyondMaxrcptGet452AndBeyondMaxrcptbytes552() throws Exception {
        TestHome h = home();
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<a@b>\r\n").reply();
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 102; i++) b.append("RCPT TO:<r").append(i).append("@test.example>\r\n");
            c.send(b.toString());
            for (int i = 0; i < 100; i++) assertThat(c.reply()).as("rcpt %d", i).isEqualTo("250 ok\r\n");
            assertThat(c.reply()).isEqualTo("452 sorry, too many recipients (#4.5.3)\r\n");
            assertThat(c.reply()).isEqualTo("452 sorry, too many recipients (#4.5.3)\r\n");
            // Refusing a recipient does not end the transaction.
            assertThat(c.send("RCPT TO:<x@nowhere.example>\r\n").reply()).startsWith("553 ");
            assertThat(c.send("DATA\r\n").reply()).isEqualTo("354 go ahead\r\n");
            assertThat(c.send("hi\r\n.\r\n").reply()).matches("250 ok \\d+ qp \\d+\r\n");
            // The next transaction has a budget of its own: 16,384 bytes take 18 addresses of 880 + 1.
            c.send("MAIL FROM:<a@b>\r\n").reply();
            String rcpt = "RCPT TO:<" + "r".repeat(867) + "@test.example>\r\n";
            for (int i = 0; i < 18; i++) assertThat(c.send(rcpt).reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send(rcpt).reply()).isEqualTo("552 sorry, the recipient list is too long (#5.5.3)\r\n");
            // A shorter one still fits.
            assertThat(c.send("RCPT TO:<s@test.example>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("DATA\r\n").reply()).isEqualTo("354 go ahead\r\n");
            assertThat(c.send("hi\r\n.\r\nQUIT\r\n").reply()).matches("250 ok \\d+ qp \\d+\r\n");
            assertThat(c.reply()).isEqualTo("221 test.example\r\n");
        }
        List<TestHome.Queued> q = h.queued();
        assertThat(q).hasSize(2);
        assertThat(q.get(0).envelope().split("\0T", -1)).hasSize(101);
        assertThat(q.get(0).envelope()).endsWith("\0Tr99@test.example\0\0");
        assertThat(q.get(1).envelope().split("\0T", -1)).hasSize(20);
        assertThat(q.get(1).envelope()).endsWith("\0Ts@test.example\0\0");
    }

    @Test
    void maxrcptAndMaxrcptbytesFromControlAndEnvironment() throws Exception {
        TestHome h = home().control("maxrcpt", "2").control("maxrcptbytes", "1000");
        String session = "MAIL FROM:<a@b>\r\nRCPT TO:<a@test.example>\r\nRCPT TO:<b@test.example>\r\n"
                + "RCPT TO:<c@test.example>\r\nQUIT\r\n";
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            assertThat(c.send(session).rest()).isEqualTo("220 test.example ESMTP\r\n250 ok\r\n250 ok\r\n250 ok\r\n"
                    + "452 sorry, too many recipients (#4.5.3)\r\n221 test.example\r\n");
        }
        // The environment (tcprules) wins over the file, read as DATABYTES is; 0 counts as 1.
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env("MAXRCPT", "3x", "MAXRCPTBYTES", "31"));
                SmtpClient c = srv.connect()) {
            assertThat(c.send(session).rest()).isEqualTo("220 test.example ESMTP\r\n250 ok\r\n250 ok\r\n250 ok\r\n"
                    + "552 sorry, the recipient list is too long (#5.5.3)\r\n221 test.example\r\n");
        }
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env("MAXRCPT", "0")); SmtpClient c = srv.connect()) {
            assertThat(c.send(session).rest()).isEqualTo("220 test.example ESMTP\r\n250 ok\r\n250 ok\r\n"
                    + "452 sorry, too many recipients (#4.5.3)\r\n452 sorry, too many recipients (#4.5.3)\r\n"
                    + "221 test.example\r\n");
        }
        h.control("maxrcpt", "many");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            assertThat(c.rest()).isEqualTo("421 unable to read controls (#4.3.0)\r\n");
        }
    }

    @Test
    void commandLinesUpToFourKilobytes() throws Exception {
        TestHome h = home();
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            // 4,096 bytes before the LF, CR included.
            assertThat(c.send("HELO " + "h".repeat(4090) + "\r\n").reply()).isEqualTo("250 test.example\r\n");
            assertThat(c.send("HELO " + "h".repeat(4091) + "\r\n").reply()).isEqualTo("421 out of memory (#4.3.0)\r\n");
            assertThat(c.rest()).isEmpty();
        }
    }

    @Test
    void pipelinedAndOneByteAtATime() throws Exception {
        TestHome h = home();
        String session = "EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nRCPT TO:<y@nowhere>\r\nDATA\r\n"
                + "Subject: s\r\n\r\nbody\r\n.\r\nMAIL FROM:<c@d>\r\nRCPT TO:<z@test.example>\r\nDATA\r\n.\r\nQUIT\r\n";
        String expect = "(?s)220 test.example ESMTP\r\n250-test.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE\r\n250 SMTPUTF8\r\n"
                + "250 ok\r\n250 ok\r\n553 sorry, that domain isn't in my list of allowed rcpthosts \\(#5.7.1\\)\r\n"
                + "354 go ahead\r\n250 ok \\d+ qp \\d+\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n250 ok \\d+ qp \\d+\r\n"
                + "221 test.example\r\n";
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.send(session);
            assertThat(c.rest()).matches(expect);
        }
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.socket.setTcpNoDelay(true);
            for (char ch : session.toCharArray()) c.send(String.valueOf(ch));
            assertThat(c.rest()).matches(expect);
        }
        List<TestHome.Queued> q = h.queued();
        assertThat(q).hasSize(4);
        assertThat(q.get(0).message()).endsWith("Subject: s\n\nbody\n");
        assertThat(q.get(2).message()).endsWith("Subject: s\n\nbody\n");
        assertThat(q.get(0).envelope()).isEqualTo("Fa@b\0Tx@test.example\0\0");
    }
}
