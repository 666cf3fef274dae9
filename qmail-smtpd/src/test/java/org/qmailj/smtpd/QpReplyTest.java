package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.address.ConstMap;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;

/**
 * The qp in "250 ok TIME qp QP" (SMTP) and "Kok TIME qp QP" (QMQP, QMTP) is the number the
 * queue recorded as the message's p field: the queue program's pid for a qmail-queue process
 * ($QMAILQUEUE here, a shell stub whose $$ names its files), and what the queue writer daemon
 * tells in its answer (QueueResult.qp) for the socket client, whose session knows no pid.
 */
class QpReplyTest {
    @TempDir Path dir;

    private static final SmtpdControl CONTROL = new SmtpdControl(
            "test.example", Optional.of("test.example"), 1200,
            new RcptHosts(Optional.of(ConstMap.ofKeys(List.of("test.example"))), Optional.empty()),
            Optional.empty(), 2000, Optional.empty(), new RecipientLimits(Long.MAX_VALUE, Long.MAX_VALUE),
            new SmtpdControl.Peer("192.0.2.1", "client.example", Optional.empty(), "test.example"));

    /** As the socket client: no qp before the commit, the writer's number after it. */
    private static final class WriterLikeQueue implements QueueClient {
        final long qp;

        WriterLikeQueue(long qp) { this.qp = qp; }

        @Override
        public Session open() {
            return new Session() {
                @Override public OutputStream message() { return OutputStream.nullOutputStream(); }
                @Override public QueueResult commit(Envelope envelope) { return QueueResult.queued(qp); }
                @Override public void close() { }
            };
        }
    }

    private static String ns(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1).length + ":" + s + ",";
    }

    @Test
    void smtpReportsTheQpTheWriterAnswered() {
        byte[] client = "HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r@test.example>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream server = new ByteArrayOutputStream();
        new SmtpdSession(CONTROL, new WriterLikeQueue(987654321L), ip -> false,
                new SmtpdSessionFuzzTest.MemoryWire(client, server)).run();
        assertThat(server.toString(StandardCharsets.ISO_8859_1)).containsPattern("\r\n250 ok \\d+ qp 987654321\r\n221 ");
    }

    @Test
    void qmqpReportsTheQpTheWriterAnswered() throws IOException {
        String packet = ns(ns("hello\n") + ns("a@b") + ns("c@d"));
        LineInput in = new LineInput(new ByteArrayInputStream(packet.getBytes(StandardCharsets.ISO_8859_1)), () -> { });
        String answer = QmqpdSession.exchange(in, new WriterLikeQueue(123457L), CONTROL.peer(),
                new RecipientLimits(Long.MAX_VALUE, Long.MAX_VALUE));
        assertThat(answer).matches("Kok \\d+ qp 123457");
    }

    /** The pids of the stub runs that queued a message (its files are named NANOS.PID.msg). */
    private static List<String> stubPids(TestHome h) throws IOException {
        try (Stream<Path> s = Files.list(h.qq)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".msg"))
                    .map(n -> n.split("\\.")[1]).toList();
        }
    }

    @Test
    void everyProtocolReportsTheQueueProgramsPid() throws Exception {
        TestHome h = new TestHome(dir).control("rcpthosts", "test.example");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r@test.example>\r\nDATA\r\n");
            for (int i = 0; i < 4; i++) c.reply();
            String ok = c.send("hi\r\n.\r\n").reply();
            assertThat(stubPids(h)).hasSize(1);
            assertThat(ok).matches("250 ok \\d+ qp " + stubPids(h).getFirst() + "\r\n");
        }
        Files.delete(Files.list(h.qq).filter(p -> p.toString().endsWith(".msg")).findFirst().orElseThrow());
        try (LoopbackServer srv = new LoopbackServer(s -> h.env(), (e, w) -> QmqpdSession.serve(h.home(), e, w));
                SmtpClient c = srv.connect()) {
            c.send(ns(ns("hello\n") + ns("a@b") + ns("c@d")));
            String answer = c.rest();
            assertThat(stubPids(h)).hasSize(1);
            assertThat(answer).matches("\\d+:Kok \\d+ qp " + stubPids(h).getFirst() + ",");
        }
        Files.delete(Files.list(h.qq).filter(p -> p.toString().endsWith(".msg")).findFirst().orElseThrow());
        try (LoopbackServer srv = new LoopbackServer(s -> h.env(), (e, w) -> QmtpdSession.serve(h.home(), e, w));
                SmtpClient c = srv.connect()) {
            c.send(ns("\nhello\n") + ns("a@b") + ns(ns("c@test.example")));
            c.socket.shutdownOutput();
            String answer = c.rest();
            assertThat(stubPids(h)).hasSize(1);
            assertThat(answer).matches("\\d+:Kok \\d+ qp " + stubPids(h).getFirst() + ",");
        }
    }
}
