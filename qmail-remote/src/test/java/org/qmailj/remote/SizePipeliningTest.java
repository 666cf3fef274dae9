package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.address.ConstMap;
import org.xbill.DNS.SimpleResolver;

/**
 * SIZE (RFC 1870) and PIPELINING (RFC 2920) on the client side, against the scripted server:
 * the SIZE parameter, the refusal of a message over the server's limit before MAIL, and
 * pipelined envelopes whose reports are byte for byte those of the unpipelined dialogue.
 */
class SizePipeliningTest {
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

    String deliver(MessageSource m, String... recips) throws IOException {
        RemoteControl c = new RemoteControl("me.test", 5, 10,
                ConstMap.ofColonLines(List.of("example.test:127.0.0.1:" + server.port())));
        SimpleResolver nowhere = new SimpleResolver(new InetSocketAddress("127.0.0.1", 9));
        Remote.Context ctx = new Remote.Context(c, new DnsjavaDns(nowhere), new Ipme(), new Tcpto(tmp.resolve("tcpto")), () -> 1);
        return new String(Remote.deliver(ctx, "example.test", "s@from.test", List.of(recips), m).toByteArray(),
                StandardCharsets.ISO_8859_1);
    }

    MessageSource file(String text) throws IOException {
        Path p = Files.createTempFile(tmp, "mess", "");
        Files.writeString(p, text, StandardCharsets.ISO_8859_1);
        return MessageSource.file(p);
    }

    void ehlo(String keywords) {
        server.replies = line -> line.startsWith("EHLO") ? "250-scripted\r\n" + keywords : ScriptedServer.standard(line);
    }

    @Test
    void sizeIsDeclaredWithCrlfLineEnds() throws Exception {
        ehlo("250 SIZE 1000\r\n");
        // 3 lines of 9 bytes + LF: 30 bytes in the file, 33 on the wire.
        String out = deliver(file("123456789\n123456789\n123456789\n"), "r@example.test");
        assertThat(out).isEqualTo("r\0K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234\n\0");
        assertThat(server.commands).contains("MAIL FROM:<s@from.test> SIZE=33");
    }

    @Test
    void sizeAtTheLimitIsSent() throws Exception {
        ehlo("250 SIZE 33\r\n");
        assertThat(deliver(file("123456789\n123456789\n123456789\n"), "r@example.test")).startsWith("r\0K");
    }

    @Test
    void messageOverTheLimitBouncesAtOnceWithTheLimit() throws Exception {
        ehlo("250-SIZE 32\r\n250 8BITMIME\r\n");
        String out = deliver(file("123456789\n123456789\n123456789\n"), "r@example.test");
        assertThat(out).isEqualTo(
                "DConnected to 127.0.0.1 but the message (33 bytes) exceeds its SIZE limit of 32 bytes. (#5.3.4)\n\0");
        assertThat(server.awaitCommand("QUIT")).containsExactly("EHLO me.test", "QUIT");
    }

    @Test
    void sizeWithoutLimitAndUnknownSizes() throws Exception {
        ehlo("250 SIZE\r\n");
        assertThat(deliver(file("a\n"), "r@example.test")).startsWith("r\0K");
        assertThat(server.commands).contains("MAIL FROM:<s@from.test> SIZE=3");
        server.commands.clear();
        // A source of unknown size (a pipe): no SIZE parameter.
        assertThat(deliver(SmtpClientTest.msg("a\n"), "r@example.test")).startsWith("r\0K");
        assertThat(server.commands).contains("MAIL FROM:<s@from.test>");
    }

    @Test
    void noSizeParameterWhenNotOffered() throws Exception {
        ehlo("250 8BITMIME\r\n");
        assertThat(deliver(file("a\n"), "r@example.test")).startsWith("r\0K");
        assertThat(server.commands).contains("MAIL FROM:<s@from.test>");
    }

    static String mixed(String line) {
        if (line.startsWith("RCPT TO:<no")) return "550 no such user\r\n";
        if (line.startsWith("RCPT TO:<later")) return "450 try later\r\n";
        return ScriptedServer.standard(line);
    }

    static final String MIXED_REPORT = "r\0h127.0.0.1 does not like recipient.\nRemote host said: 550 no such user\n\0"
            + "s127.0.0.1 does not like recipient.\nRemote host said: 450 try later\n\0r\0"
            + "K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234\n\0";

    @Test
    void pipelinedRepliesAreReportedInOrder() throws Exception {
        // The server answers nothing until DATA: only a pipelining client gets through.
        server.pipeliningOnly = true;
        server.replies = SizePipeliningTest::mixed;
        String out = deliver(file("m\n"), "a@example.test", "no@example.test", "later@example.test", "b@example.test");
        assertThat(out).isEqualTo(MIXED_REPORT);
        assertThat(server.awaitCommand("QUIT")).containsExactly("EHLO me.test", "MAIL FROM:<s@from.test>",
                "RCPT TO:<a@example.test>", "RCPT TO:<no@example.test>", "RCPT TO:<later@example.test>",
                "RCPT TO:<b@example.test>", "DATA", "QUIT");
        assertThat(server.data()).isEqualTo("m\r\n.\r\n");
    }

    @Test
    void withoutPipeliningTheSameReports() throws Exception {
        server.replies = line -> line.startsWith("EHLO") ? "250-scripted\r\n250 8BITMIME\r\n" : mixed(line);
        String out = deliver(file("m\n"), "a@example.test", "no@example.test", "later@example.test", "b@example.test");
        assertThat(out).isEqualTo(MIXED_REPORT);
    }

    @Test
    void pipelinedAllRejectedGivesUpWithoutReadingData() throws Exception {
        server.pipeliningOnly = true;
        server.replies = line -> line.startsWith("DATA") ? "554 no valid recipients\r\n" : mixed(line);
        String out = deliver(file("m\n"), "no@example.test", "later@example.test");
        assertThat(out).isEqualTo("h127.0.0.1 does not like recipient.\nRemote host said: 550 no such user\n\0"
                + "s127.0.0.1 does not like recipient.\nRemote host said: 450 try later\n\0"
                + "DGiving up on 127.0.0.1.\n\0");
        assertThat(server.awaitCommand("QUIT")).endsWith("DATA", "QUIT");
    }

    @Test
    void pipelinedAllRejectedButDataAcceptedNeverEndsTheMessage() throws Exception {
        // A server that wrongly answers 354: the client sends QUIT (taken as message text)
        // and closes without the final dot, so the transaction is aborted.
        server.pipeliningOnly = true;
        server.replies = SizePipeliningTest::mixed;
        String out = deliver(file("m\n"), "no@example.test");
        assertThat(out).isEqualTo("h127.0.0.1 does not like recipient.\nRemote host said: 550 no such user\n\0"
                + "DGiving up on 127.0.0.1.\n\0");
        for (int i = 0; i < 500 && server.data().isEmpty(); i++) Thread.sleep(10);
        assertThat(server.data()).isEqualTo("QUIT\r\n");
    }

    @Test
    void pipelinedSenderRejected() throws Exception {
        server.pipeliningOnly = true;
        server.replies = line -> line.startsWith("MAIL") ? "553 sender refused\r\n"
                : line.startsWith("RCPT") || line.startsWith("DATA") ? "503 no sender\r\n" : ScriptedServer.standard(line);
        String out = deliver(file("m\n"), "a@example.test");
        assertThat(out).isEqualTo("DConnected to 127.0.0.1 but sender was rejected.\nRemote host said: 553 sender refused\n\0");
    }

    @Test
    void pipelinedDataRefused() throws Exception {
        server.pipeliningOnly = true;
        server.replies = line -> line.startsWith("DATA") ? "451 not now\r\n" : ScriptedServer.standard(line);
        String out = deliver(file("m\n"), "a@example.test");
        assertThat(out).isEqualTo("r\0Z127.0.0.1 failed on DATA command.\nRemote host said: 451 not now\n\0");
    }
}
