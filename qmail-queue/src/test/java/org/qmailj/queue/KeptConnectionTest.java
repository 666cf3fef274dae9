package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.str;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueExit;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;

/**
 * Kept connections ({@link WriterProtocol}'s 'k') against the real writer: one connection
 * carries message after message, each committed as a message of its own; a kept connection
 * the writer closed while idle (its keep-alive, its stop) costs the next message nothing but a
 * new connection; a kept connection takes only injections, and one not kept ends after 'X'.
 */
class KeptConnectionTest {
    @TempDir Path dir;

    private static WriterServer writer(TestHome t, Duration readTimeout) throws Exception {
        QmailIds ids = QmailIds.read(t.home);
        WriterServer s = WriterServer.bind(new QueueWriter(t.queue, ReceivedLine.of(ids), Clock.systemUTC()), ids,
                new WriterSettings(16, 4, 4, readTimeout, false));
        s.start();
        return s;
    }

    private static QueueResult send(SocketQueueClient client, String subject) throws Exception {
        try (QueueClient.Session s = client.open()) {
            s.message().write(("Subject: " + subject + "\n\nbody\n").getBytes());
            return s.commit(new Envelope("a@b", List.of("c@d")));
        }
    }

    /** The subjects of the queued messages, in message-number order. */
    private static List<String> subjects(TestHome t) throws Exception {
        return t.todo().stream().sorted().map(n -> {
            try {
                return str(Files.readAllBytes(t.queue.mess(n))).replaceAll("(?s).*Subject: (\\S+)\n.*", "$1");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).sorted().toList();
    }

    @Test
    void oneConnectionCarriesMessageAfterMessage() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = writer(t, Duration.ofSeconds(30))) {
            SocketQueueClient client = new SocketQueueClient(s.socket());
            for (int i = 0; i < 5; i++) {
                QueueResult r = send(client, "m" + i);
                assertThat(r.ok()).isTrue();
                assertThat(t.todo()).contains(r.qp());
                assertThat(str(Files.readAllBytes(t.queue.todo(r.qp())))).endsWith("Fa@b\0Tc@d\0");
            }
            assertThat(subjects(t)).containsExactly("m0", "m1", "m2", "m3", "m4");
            assertThat(s.metrics().committed.sum()).isEqualTo(5);
            assertThat(s.metrics().admitted.sum()).as("connections accepted").isEqualTo(1);
            assertThat(s.connections()).as("the kept one").isEqualTo(1);
            assertThat(t.files("pid")).isEmpty();
        }
    }

    @Test
    void aConnectionIdleLongerThanTheReadTimeoutIsClosedAndTheNextMessageTakesANewOne() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = writer(t, Duration.ofSeconds(1))) {
            SocketQueueClient client = new SocketQueueClient(s.socket());
            assertThat(send(client, "first").ok()).isTrue();
            assertThat(s.connections()).isEqualTo(1);
            WriterIsolationTest.awaitHeld(s, 0); // the sweeper closed the kept connection
            assertThat(send(client, "second").ok()).isTrue();
            assertThat(subjects(t)).containsExactly("first", "second");
            assertThat(s.metrics().admitted.sum()).isEqualTo(2);
            assertThat(s.metrics().failed.sum() + s.metrics().aborted.sum()).isZero();
        }
    }

    @Test
    void aWriterStartedAgainTakesTheNextMessage() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        SocketQueueClient client;
        WriterServer first = writer(t, Duration.ofSeconds(30));
        try (first) {
            client = new SocketQueueClient(first.socket());
            assertThat(send(client, "before").ok()).isTrue();
        } // its close ends the kept connection
        try (WriterServer second = writer(t, Duration.ofSeconds(30))) {
            assertThat(send(client, "after").ok()).isTrue();
            assertThat(subjects(t)).containsExactly("after", "before");
            assertThat(first.metrics().committed.sum()).isEqualTo(1);
            assertThat(second.metrics().committed.sum()).isEqualTo(1);
            assertThat(second.metrics().admitted.sum()).isEqualTo(1);
        }
    }

    /** Sends one message with or without 'k' on ch and expects it committed. */
    private static void inject(SocketChannel ch, InputStream in, boolean keep) throws Exception {
        OutputStream out = Channels.newOutputStream(ch);
        WriterProtocol.writeHeader(out, 1, null, 0, keep);
        WriterProtocol.ChunkOutputStream c = new WriterProtocol.ChunkOutputStream(out);
        c.write("Subject: raw\n\nbody\n".getBytes());
        c.close();
        out.write("Fa@b\0Tc@d\0\0".getBytes());
        out.write(WriterProtocol.COMMIT);
        assertThat(WriterProtocol.readAnswer(in)).isInstanceOf(WriterProtocol.Prepared.class);
        assertThat(WriterProtocol.readAnswer(in)).isEqualTo(keep ? new WriterProtocol.Kept() : new WriterProtocol.Final(0));
    }

    @Test
    void aKeptConnectionTakesOnlyInjectionsAndOneNotKeptEndsAfterItsAnswer() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = writer(t, Duration.ofSeconds(30))) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(s.socket()));
                InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
                inject(ch, in, true);
                inject(ch, in, true);
                // A resolve is not for a kept connection: 81, and the end.
                WriterProtocol.writeNumber(Channels.newOutputStream(ch), WriterProtocol.RESOLVE, 1);
                assertThat(WriterProtocol.readAnswer(in)).isEqualTo(new WriterProtocol.Final(QueueExit.BUG.code()));
                assertThat(in.read()).isEqualTo(-1);
            }
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(s.socket()));
                InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
                inject(ch, in, false);
                assertThat(in.read()).as("not kept: closed after 'X'").isEqualTo(-1);
            }
            assertThat(t.todo()).hasSize(3);
            WriterIsolationTest.awaitHeld(s, 0);
        }
    }
}
