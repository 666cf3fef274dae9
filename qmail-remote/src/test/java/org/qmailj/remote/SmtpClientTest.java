package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.address.ConstMap;
import org.xbill.DNS.SimpleResolver;

/**
 * qmail-remote's SMTP client against a scripted server on loopback, reached through an
 * smtproutes entry: every reply-code path, the exact reports of qmail-remote(8), and the
 * bytes on the wire (dot-stuffing, CR inserted before LF, quoting, 8BITMIME).
 */
class SmtpClientTest {
    @TempDir
    Path tmp;
    ScriptedServer server;

    @BeforeEach
    void start() throws IOException {
        server = new ScriptedServer("127.0.0.1");
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    Remote.Context ctx(int timeoutRemote, String... routes) throws IOException {
        RemoteControl c = new RemoteControl("me.test", 5, timeoutRemote, ConstMap.ofColonLines(List.of(routes)));
        SimpleResolver nowhere = new SimpleResolver(new InetSocketAddress("127.0.0.1", 9));
        nowhere.setTimeout(java.time.Duration.ofSeconds(1));
        return new Remote.Context(c, new DnsjavaDns(nowhere), new Ipme(), new Tcpto(tmp.resolve("tcpto")), () -> 1);
    }

    static MessageSource msg(String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        return new MessageSource() {
            @Override
            public InputStream open() {
                return new ByteArrayInputStream(b);
            }

            @Override
            public boolean has8bit() {
                for (byte x : b) if (x < 0) return true;
                return false;
            }
        };
    }

    String deliver(String message, String... recips) throws IOException {
        return deliver(10, message, recips);
    }

    String deliver(int timeout, String message, String... recips) throws IOException {
        Output out = Remote.deliver(ctx(timeout, "example.test:127.0.0.1:" + server.port()), "example.test",
                "sender@from.test", List.of(recips), msg(message));
        return new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    void reply(String verb, String reply) {
        Function<String, String> prev = server.replies;
        server.replies = line -> line.toUpperCase().startsWith(verb) ? reply : prev.apply(line);
    }

    @Test
    void acceptedMessage() throws Exception {
        String out = deliver("Subject: hi\n\nbody\n", "rcpt@example.test");
        assertThat(out).isEqualTo("r\0K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234\n\0");
        assertThat(server.awaitCommand("QUIT")).containsExactly("EHLO me.test", "MAIL FROM:<sender@from.test>",
                "RCPT TO:<rcpt@example.test>", "DATA", "QUIT");
        assertThat(server.data()).isEqualTo("Subject: hi\r\n\r\nbody\r\n.\r\n");
    }

    @Test
    void dotStuffingAndBareLf() throws IOException {
        deliver(".\n..two\nmid.dle\n.\r\nlast.\n", "rcpt@example.test");
        assertThat(server.data()).isEqualTo("..\r\n...two\r\nmid.dle\r\n..\r\r\nlast.\r\n.\r\n");
    }

    @Test
    void emptyMessageAndLongLines() throws IOException {
        deliver("", "rcpt@example.test");
        assertThat(server.data()).isEqualTo(".\r\n");
        String longLine = "x".repeat(20000);
        ScriptedServer second = server;
        second.data.reset();
        deliver(longLine + "\n", "rcpt@example.test");
        assertThat(server.data()).isEqualTo(longLine + "\r\n.\r\n");
    }

    @Test
    void partialFinalLineIsPermanent() throws IOException {
        String out = deliver("no newline", "rcpt@example.test");
        assertThat(out).isEqualTo("r\0DSMTP cannot transfer messages with partial final lines. (#5.6.2)\n\0");
    }

    @Test
    void recipientReports() throws IOException {
        server.replies = line -> switch (line) {
            case "RCPT TO:<a@example.test>" -> "550 no such user\r\n";
            case "RCPT TO:<b@example.test>" -> "451-try\r\n451 later\r\n";
            default -> ScriptedServer.standard(line);
        };
        String out = deliver("m\n", "a@example.test", "b@example.test", "c@example.test");
        assertThat(out).isEqualTo("h127.0.0.1 does not like recipient.\nRemote host said: 550 no such user\n\0"
                + "s127.0.0.1 does not like recipient.\nRemote host said: 451-try\n451 later\n\0"
                + "r\0K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234\n\0");
    }

    @Test
    void repliesArrivingOneByteAtATime() throws IOException {
        server.trickle = true;
        server.greeting = "220-multi\r\n220 line greeting\r\n";
        recipientReports();
    }

    @Test
    void everyRecipientRejected() throws Exception {
        // Without PIPELINING (SizePipeliningTest has the pipelined case): DATA is never sent.
        reply("EHLO", "250-scripted\r\n250 8BITMIME\r\n");
        reply("RCPT", "553 relaying denied\r\n");
        String out = deliver("m\n", "a@example.test");
        assertThat(out).isEqualTo("h127.0.0.1 does not like recipient.\nRemote host said: 553 relaying denied\n\0"
                + "DGiving up on 127.0.0.1.\n\0");
        assertThat(server.awaitCommand("QUIT")).endsWith("QUIT").doesNotContain("DATA");
    }

    @Test
    void greetingFailed() throws IOException {
        server.greeting = "421 busy\r\n";
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("ZConnected to 127.0.0.1 but greeting failed.\nRemote host said: 421 busy\n\0");
        server.greeting = "554 go away\r\n";
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("ZConnected to 127.0.0.1 but greeting failed.\nRemote host said: 554 go away\n\0");
    }

    @Test
    void multiLineGreetingAccepted() throws IOException {
        server.greeting = "220-one\r\n220-two\r\n220 three\r\n";
        assertThat(deliver("m\n", "a@example.test")).startsWith("r\0K127.0.0.1 accepted message.");
    }

    @Test
    void heloFallbackAndNameRejected() throws IOException {
        reply("EHLO", "502 no ehlo\r\n");
        assertThat(deliver("m\n", "a@example.test")).startsWith("r\0K");
        assertThat(server.commands).startsWith("EHLO me.test", "HELO me.test", "MAIL FROM:<sender@from.test>");
        reply("HELO", "501 bad name\r\n");
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("ZConnected to 127.0.0.1 but my name was rejected.\nRemote host said: 501 bad name\n\0");
    }

    @Test
    void senderRejected() throws IOException {
        reply("MAIL", "553 bad sender\r\n");
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("DConnected to 127.0.0.1 but sender was rejected.\nRemote host said: 553 bad sender\n\0");
        reply("MAIL", "451 later\r\n");
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("ZConnected to 127.0.0.1 but sender was rejected.\nRemote host said: 451 later\n\0");
    }

    @Test
    void dataRejected() throws IOException {
        reply("DATA", "554 no data\r\n");
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("r\0D127.0.0.1 failed on DATA command.\nRemote host said: 554 no data\n\0");
        reply("DATA", "451 not now\r\n");
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("r\0Z127.0.0.1 failed on DATA command.\nRemote host said: 451 not now\n\0");
    }

    @Test
    void messageRejectedAfterData() throws IOException {
        server.afterData = "554 5.7.1 spam\r\n";
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("r\0D127.0.0.1 failed after I sent the message.\nRemote host said: 554 5.7.1 spam\n\0");
        server.afterData = "452 full\r\n";
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("r\0Z127.0.0.1 failed after I sent the message.\nRemote host said: 452 full\n\0");
    }

    @Test
    void garbageReplyCodeCountsAsPermanent() throws IOException {
        reply("MAIL", "xyz what\r\n");
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("DConnected to 127.0.0.1 but sender was rejected.\nRemote host said: xyz what\n\0");
    }

    @Test
    void connectionDropped() throws IOException {
        server.greeting = ScriptedServer.CLOSE;
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("ZConnected to 127.0.0.1 but connection died. (#4.4.2)\n\0");
        server.greeting = "220 hi\r\n";
        reply("RCPT", ScriptedServer.CLOSE);
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("ZConnected to 127.0.0.1 but connection died. (#4.4.2)\n\0");
    }

    @Test
    void droppedAfterTheDotMayBeADuplicate() throws IOException {
        server.afterData = ScriptedServer.CLOSE;
        assertThat(deliver("m\n", "a@example.test"))
                .isEqualTo("r\0ZConnected to 127.0.0.1 but connection died. Possible duplicate! (#4.4.2)\n\0");
    }

    @Test
    void silentServerTimesOut() throws IOException {
        server.greeting = ScriptedServer.SILENT;
        long t0 = System.nanoTime();
        assertThat(deliver(1, "m\n", "a@example.test"))
                .isEqualTo("ZConnected to 127.0.0.1 but connection died. (#4.4.2)\n\0");
        assertThat(System.nanoTime() - t0).isBetween(900_000_000L, 10_000_000_000L);
    }

    @Test
    void silentAfterDataTimesOutAsPossibleDuplicate() throws IOException {
        server.afterData = ScriptedServer.SILENT;
        assertThat(deliver(1, "m\n", "a@example.test"))
                .isEqualTo("r\0ZConnected to 127.0.0.1 but connection died. Possible duplicate! (#4.4.2)\n\0");
    }

    @Test
    void writeTimeoutWhenTheServerStopsReading() throws IOException {
        server.stallInData = true;
        String big = ("x".repeat(999) + "\n").repeat(40_000); // 40 MB: more than the socket buffers hold
        long t0 = System.nanoTime();
        assertThat(deliver(1, big, "a@example.test"))
                .isEqualTo("r\0ZConnected to 127.0.0.1 but connection died. (#4.4.2)\n\0");
        assertThat(System.nanoTime() - t0).isLessThan(20_000_000_000L);
    }

    @Test
    void connectTimeoutIsRecordedInTcpto() throws Exception {
        // A listener whose accept queue is full: Linux drops further SYNs, so connect times out.
        java.net.ServerSocket full = new java.net.ServerSocket();
        full.bind(new InetSocketAddress("127.0.0.4", 0), 1);
        List<java.net.Socket> fillers = new java.util.ArrayList<>();
        try (full) {
            while (true) {
                java.net.Socket s = new java.net.Socket();
                fillers.add(s);
                try {
                    s.connect(full.getLocalSocketAddress(), 300);
                } catch (java.net.SocketTimeoutException e) {
                    break;
                }
                if (fillers.size() > 50) throw new AssertionError("accept queue never filled");
            }
            java.nio.file.Files.write(tmp.resolve("tcpto"), new byte[1024]);
            RemoteControl c = new RemoteControl("me.test", 1, 10,
                    ConstMap.ofColonLines(List.of("example.test:127.0.0.4:" + full.getLocalPort())));
            Remote.Context ctx = new Remote.Context(c, ctx(10).dns(), new Ipme(), new Tcpto(tmp.resolve("tcpto")), () -> 1);
            long t0 = System.nanoTime();
            Output out = Remote.deliver(ctx, "example.test", "s@x", List.of("a@example.test"), msg("m\n"));
            assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n\0");
            assertThat(System.nanoTime() - t0).isBetween(900_000_000L, 10_000_000_000L);
            byte[] table = java.nio.file.Files.readAllBytes(tmp.resolve("tcpto"));
            assertThat(java.util.Arrays.copyOf(table, 5)).isEqualTo(new byte[] {127, 0, 0, 4, 1});
        } finally {
            for (java.net.Socket s : fillers) s.close();
        }
    }

    @Test
    void eightBitMimeOnlyWhenOfferedAndNeeded() throws IOException {
        deliver("caf\u00e9\n", "a@example.test");
        assertThat(server.commands).contains("MAIL FROM:<sender@from.test> BODY=8BITMIME");
        server.commands.clear();
        deliver("plain\n", "a@example.test");
        assertThat(server.commands).contains("MAIL FROM:<sender@from.test>");
        server.commands.clear();
        reply("EHLO", "250 scripted\r\n");
        deliver("caf\u00e9\n", "a@example.test");
        assertThat(server.commands).contains("MAIL FROM:<sender@from.test>");
        assertThat(server.data()).contains("caf\u00e9\r\n");
    }

    @Test
    void boxesAreQuotedWhenNeeded() throws IOException {
        Output out = Remote.deliver(ctx(10, "example.test:127.0.0.1:" + server.port()), "example.test",
                "", List.of("a b@example.test", "x\"y@example.test", "@example.test", "plain.box@example.test", "nobox"),
                msg("m\n"));
        assertThat(out.toByteArray()).isNotEmpty();
        assertThat(server.commands).contains("MAIL FROM:<>", "RCPT TO:<\"a b\"@example.test>",
                "RCPT TO:<\"x\\\"y\"@example.test>", "RCPT TO:<\"\"@example.test>",
                "RCPT TO:<plain.box@example.test>", "RCPT TO:<nobox>");
    }

    @Test
    void noConnection() throws IOException {
        server.close();
        try (org.qmailj.testing.RefusedPort refused = new org.qmailj.testing.RefusedPort()) {
            Output out = Remote.deliver(ctx(10, "example.test:127.0.0.1:" + refused.port()), "example.test", "s@x",
                    List.of("a@example.test"), msg("m\n"));
            assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n\0");
        }
    }

    @Test
    void ipv6Relay() throws IOException {
        try (ScriptedServer v6 = new ScriptedServer("::1")) {
            Output out = Remote.deliver(ctx(10, ".test:[::1]:" + v6.port()), "example.test", "s@x",
                    List.of("a@example.test"), msg("m\n"));
            assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("r\0K::1 accepted message.\nRemote host said: 250 ok 1234\n\0");
        }
    }
}
