package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;
import static org.qmailj.queue.TestHome.str;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;

/**
 * The qp through the queue writer daemon (WriterProtocol): a socket client that names none
 * gets the message number N, recorded as intd/N's p field, so two sessions of one process
 * (tcpserver's) never share a qp; bin/qmail-queue, one process per message, names its pid
 * ('q'), and that is what the p field and its caller show. A 'q' that is not a positive
 * number is refused and queues nothing.
 */
class WriterQpTest {
    @TempDir Path dir;

    private static String p(TestHome t, long n) throws Exception {
        String todo = str(Files.readAllBytes(t.queue.todo(n)));
        return todo.substring(todo.indexOf("\0p") + 2, todo.indexOf('\0', todo.indexOf("\0p") + 2));
    }

    private static QueueResult queue(QueueClient c, String message) throws Exception {
        try (QueueClient.Session s = c.open()) {
            s.message().write(bytes(message));
            return s.commit(new Envelope("a@b", List.of("c@d")));
        }
    }

    @Test
    void aSocketClientsQpIsTheMessageNumber() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = WriterServerTest.serve(t)) {
            SocketQueueClient c = new SocketQueueClient(WriterProtocol.socket(t.queue), null, 30_000);
            QueueResult one = queue(c, "one\n");
            QueueResult two = queue(c, "two\n");
            assertThat(one.ok()).isTrue();
            assertThat(two.ok()).isTrue();
            assertThat(t.todo()).containsExactlyInAnyOrder(one.qp(), two.qp());
            assertThat(one.qp()).isNotEqualTo(two.qp());
            for (long n : t.todo()) assertThat(p(t, n)).isEqualTo(Long.toString(n));
        }
    }

    @Test
    void aProcessPerMessageNamesItsPid() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        long pid = ProcessHandle.current().pid();
        try (WriterServer s = WriterServerTest.serve(t)) {
            QueueResult r = queue(new SocketQueueClient(WriterProtocol.socket(t.queue), null, 30_000, true), "mine\n");
            assertThat(r.ok()).isTrue();
            assertThat(r.qp()).isEqualTo(pid);
            assertThat(p(t, t.todo().getFirst())).isEqualTo(Long.toString(pid));
            assertThat(str(t.mess(t.todo().getFirst()))).startsWith("Received: (qmail " + pid + " invoked by uid ");
            // bin/qmail-queue relaying to the writer: the same.
            assertThat(WriterServerTest.thin(t, bytes("thin\n"), bytes("Fa@b\0Tc@d\0\0"))).isZero();
            assertThat(t.todo()).hasSize(2);
            for (long n : t.todo()) assertThat(p(t, n)).isEqualTo(Long.toString(pid));
        }
    }

    /**
     * Sends a whole message after header {@code header}; true when the writer hangs up with no
     * answer (end of input, or a reset: it closed with our bytes unread).
     */
    private static boolean hangsUpWithoutAnswer(TestHome t, String header) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(WriterProtocol.socket(t.queue)));
            try {
                OutputStream out = Channels.newOutputStream(ch);
                out.write('Q');
                out.write(bytes(header));
                WriterProtocol.ChunkOutputStream m = new WriterProtocol.ChunkOutputStream(out);
                m.write(bytes("x\n"));
                m.close();
                out.write(bytes("Fa@b\0Tc@d\0\0"));
                out.flush();
            } catch (IOException e) {
                // it hung up while we were sending
            }
            try {
                return Channels.newInputStream(ch).read() == -1;
            } catch (IOException e) {
                return true;
            }
        }
    }

    @Test
    void aBadQpIsRefused() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = WriterServerTest.serve(t)) {
            for (String bad : List.of("0", "-5", "x1", "")) {
                assertThat(hangsUpWithoutAnswer(t, "p1\0q" + bad + "\0\0")).as(bad).isTrue();
            }
            WriterServerTest.awaitNoLeftovers(t);
            WriterServerTest.goodMessageStillQueues(t);
        }
    }
}
