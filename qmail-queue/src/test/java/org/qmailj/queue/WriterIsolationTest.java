package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;

import java.io.IOException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.QueueExit;
import org.qmailj.common.queue.WriterProtocol;

/**
 * The queue writer in-process with a short read timeout: a client that stalls anywhere (in the
 * message, in the envelope, after 'P') is dropped once the timeout passes and leaves nothing
 * in the queue; and the resolve tells the truth after 'P' (a missing intd/N is a commit
 * unless the writer itself removed it).
 */
class WriterIsolationTest {
    @TempDir Path dir;

    static final Duration TIMEOUT = Duration.ofMillis(400);

    static WriterServer serve(TestHome t, Duration timeout) throws IOException {
        QmailIds ids = QmailIds.read(t.home);
        WriterServer s = WriterServer.bind(new QueueWriter(t.queue, ReceivedLine.of(ids), Clock.systemUTC()), ids,
                WriterSettings.forOpenFiles(1024).withReadTimeout(timeout));
        s.start();
        return s;
    }

    static SocketChannel connect(WriterServer s) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(s.socket()));
        return ch;
    }

    /** Waits (at most 20 s) until the writer closes the connection; returns how long that took. */
    static long millisUntilDropped(SocketChannel ch) throws Exception {
        long start = System.nanoTime();
        InputStream in = Channels.newInputStream(ch);
        CompletableFuture<Integer> eof = CompletableFuture.supplyAsync(() -> {
            try {
                int c;
                while ((c = in.read()) >= 0) {
                    if (c != WriterProtocol.PREPARED && c != WriterProtocol.PREPARED_STAMPED && c != WriterProtocol.FINAL) return c;
                    in.skipNBytes(c == WriterProtocol.PREPARED ? 8 : c == WriterProtocol.PREPARED_STAMPED ? 16 : 1);
                }
                return -1;
            } catch (IOException e) {
                return -1;
            }
        });
        assertThat(eof.get(20, TimeUnit.SECONDS)).as("the writer closes, answering nothing more").isEqualTo(-1);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void aClientThatStallsIsDroppedAfterTheReadTimeoutAndLeavesNothing() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = serve(t, TIMEOUT)) {
            // In the message: a 4096-byte chunk cut short.
            try (SocketChannel ch = connect(s)) {
                OutputStream out = Channels.newOutputStream(ch);
                WriterProtocol.writeHeader(out, 1, null);
                out.write(new byte[] {0, 0, 16, 0});
                out.write(new byte[100]);
                awaitFiles(t, "mess");
                assertThat(millisUntilDropped(ch)).isGreaterThanOrEqualTo(TIMEOUT.toMillis() - 50);
            }
            WriterServerTest.awaitNoLeftovers(t);
            // In the envelope, after two recipients.
            try (SocketChannel ch = connect(s)) {
                OutputStream out = Channels.newOutputStream(ch);
                WriterProtocol.writeHeader(out, 1, null);
                WriterProtocol.ChunkOutputStream c = new WriterProtocol.ChunkOutputStream(out);
                c.write(bytes("message\n"));
                c.close();
                out.write(bytes("Fa@b\0Tc@d\0Te@f\0"));
                awaitFiles(t, "intd");
                assertThat(millisUntilDropped(ch)).isGreaterThanOrEqualTo(TIMEOUT.toMillis() - 50);
            }
            WriterServerTest.awaitNoLeftovers(t);
            // In the header, before anything is written.
            try (SocketChannel ch = connect(s)) {
                Channels.newOutputStream(ch).write(new byte[] {'Q', 'p'});
                assertThat(millisUntilDropped(ch)).isGreaterThanOrEqualTo(TIMEOUT.toMillis() - 50);
            }
            assertThat(t.leftovers()).isEmpty();
            WriterServerTest.goodMessageStillQueues(t);
        }
    }

    @Test
    void afterPrepareAStalledClientsMessageIsWithdrawnAndResolvedAsNotQueuedAlsoAfterARestart() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        long n;
        try (WriterServer s = serve(t, TIMEOUT)) {
            try (SocketChannel ch = connect(s)) {
                OutputStream out = Channels.newOutputStream(ch);
                WriterProtocol.writeHeader(out, 1, null);
                WriterProtocol.ChunkOutputStream c = new WriterProtocol.ChunkOutputStream(out);
                c.write(bytes("message\n"));
                c.close();
                out.write(bytes("Fa@b\0Tc@d\0\0"));
                n = ((WriterProtocol.Prepared) WriterProtocol.readAnswer(Channels.newInputStream(ch))).number();
                assertThat(t.queue.intd(n)).exists();
                // No 'C': the writer drops the client after the timeout and withdraws N.
                assertThat(millisUntilDropped(ch)).isGreaterThanOrEqualTo(TIMEOUT.toMillis() - 50);
            }
            WriterServerTest.awaitWithdrawn(t, n);
            // A client whose 'C' was lost to the timeout hears 74 (not queued).
            assertThat(WriterServerTest.resolve(s, n)).isEqualTo(QueueExit.COMMUNICATION.code());
        }
        // The writer is restarted (a kill -9, an upgrade) before the client asks: the answer
        // is on disk, not in the old writer's memory, so it is still 74, never "committed".
        try (WriterServer s = serve(t, TIMEOUT)) {
            assertThat(WriterServerTest.resolve(s, n)).isEqualTo(QueueExit.COMMUNICATION.code());
        }
        assertThat(t.todo()).isEmpty();
        assertThat(t.leftovers()).as("two empty files for qmail-send's 36-hour cleanup")
                .containsExactlyInAnyOrder(t.queue.mess(n), t.queue.intd(n));
    }

    @Test
    void afterPrepareAMissingIntdMeansCommitted() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = serve(t, Duration.ofSeconds(30))) {
            long n;
            try (SocketChannel ch = connect(s)) {
                OutputStream out = Channels.newOutputStream(ch);
                InputStream in = Channels.newInputStream(ch);
                WriterProtocol.writeHeader(out, 1, null);
                WriterProtocol.ChunkOutputStream c = new WriterProtocol.ChunkOutputStream(out);
                c.write(bytes("message\n"));
                c.close();
                out.write(bytes("Fa@b\0Tc@d\0\0"));
                n = ((WriterProtocol.Prepared) WriterProtocol.readAnswer(in)).number();
                out.write(WriterProtocol.COMMIT);
                assertThat(WriterProtocol.readAnswer(in)).isEqualTo(new WriterProtocol.Final(0));
            }
            // qmail-send takes the message: info/N, local/N, then intd/N and todo/N go.
            Files.write(t.queue.dir("info").resolve(Long.toString(n % 23)).resolve(Long.toString(n)), bytes("Fa@b\0"));
            Files.write(t.queue.dir("local").resolve(Long.toString(n % 23)).resolve(Long.toString(n)), bytes("Tc@d\0"));
            Files.delete(t.queue.intd(n));
            Files.delete(t.queue.todo(n));
            assertThat(WriterServerTest.resolve(s, n)).as("committed, then taken by qmail-send").isZero();
            assertThat(t.queue.mess(n)).exists();
        }
    }

    @Test
    void overBudgetTheClientHears71AtOnce() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        QmailIds ids = QmailIds.read(t.home);
        WriterSettings two = new WriterSettings(2, 1, 1, Duration.ofSeconds(30), false);
        try (WriterServer s = WriterServer.bind(new QueueWriter(t.queue, ReceivedLine.of(ids), Clock.systemUTC()), ids, two);
                SocketChannel a = connect(s); SocketChannel b = connect(s)) {
            s.start();
            // Two silent connections take the whole budget (the test's uid is a reserved one here).
            Channels.newOutputStream(a).write('Q');
            Channels.newOutputStream(b).write('Q');
            awaitHeld(s, 2);
            org.qmailj.common.queue.QueueResult r;
            try (org.qmailj.common.queue.QueueClient.Session sess = new org.qmailj.common.queue.SocketQueueClient(s.socket()).open()) {
                sess.message().write(new byte[200_000]);
                r = sess.commit(new org.qmailj.common.queue.Envelope("a@b", java.util.List.of("c@d")));
            }
            assertThat(r.exit()).isEqualTo(71);
            assertThat(r.report()).isEqualTo("Zmail server temporarily rejected message (#4.3.0)");
            assertThat(t.leftovers()).isEmpty();
            b.close();
            awaitHeld(s, 1);
            WriterServerTest.goodMessageStillQueues(t);
        }
    }

    static void awaitHeld(WriterServer s, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (s.connections() != n) {
            assertThat(System.nanoTime()).as(n + " connections held").isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    static void awaitFiles(TestHome t, String d) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (t.files(d).isEmpty()) {
            assertThat(System.nanoTime()).as("a file in " + d).isLessThan(deadline);
            Thread.sleep(2);
        }
    }
}
