package org.qmailj.common.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's side of the commit, against a scripted writer that checks every byte: the
 * commit request travels with the envelope, and a connection lost before N was heard is
 * reported as a temporary failure without a resolve. A committed connection is kept for the
 * next message, and a request that a kept connection lost before N goes again on a new one.
 */
class SocketQueueClientTest {
    @TempDir Path dir;

    private record Received(WriterProtocol.Header header, String message, Envelope envelope) {}

    /** Reads one injection up to and including its envelope, as the writer does. */
    private static Received readInjection(InputStream in) throws Exception {
        assertThat(in.read()).isEqualTo(WriterProtocol.INJECT);
        WriterProtocol.Header h = WriterProtocol.readHeader(in);
        String message = new String(new WriterProtocol.ChunkInputStream(in).readAllBytes(), StandardCharsets.ISO_8859_1);
        return new Received(h, message, Envelope.read(in));
    }

    private static ServerSocketChannel listen(Path socket) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return server;
    }

    private static InputStream input(SocketChannel ch) {
        return new BufferedInputStream(Channels.newInputStream(ch));
    }

    private static CompletableFuture<QueueResult> send(SocketQueueClient client) {
        return send(client, "Subject: x\n\nbody\n");
    }

    private static CompletableFuture<QueueResult> send(SocketQueueClient client, String message) {
        return CompletableFuture.supplyAsync(() -> {
            try (QueueClient.Session s = client.open()) {
                s.message().write(message.getBytes(StandardCharsets.ISO_8859_1));
                return s.commit(new Envelope("a@b.example", List.of("c@d.example")));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void theCommitRequestTravelsWithTheEnvelope() throws Exception {
        Path socket = dir.resolve("w.sock");
        try (ServerSocketChannel server = listen(socket)) {
            CompletableFuture<QueueResult> result = send(new SocketQueueClient(socket));
            try (SocketChannel ch = server.accept()) {
                InputStream in = input(ch);
                OutputStream out = Channels.newOutputStream(ch);
                Received r = readInjection(in);
                assertThat(r.header().stamps()).isTrue();
                assertThat(r.message()).isEqualTo("Subject: x\n\nbody\n");
                assertThat(r.envelope().recipients()).containsExactly("c@d.example");
                // Read before N is sent: a client that waits for N first never sends it, and
                // then neither side moves until the bound fails the test (the interrupt
                // closes the channel under the read).
                assertThat(assertTimeoutPreemptively(Duration.ofSeconds(60), () -> in.read())).isEqualTo(WriterProtocol.COMMIT);
                WriterProtocol.writeStamped(out, WriterProtocol.PREPARED_STAMPED, 4711, 99);
                WriterProtocol.writeFinal(out, 0);
                QueueResult q = result.get(60, TimeUnit.SECONDS);
                assertThat(q.ok()).isTrue();
                assertThat(q.qp()).isEqualTo(4711);
                // Nothing after 'C', and a connection answered 'X' 0 (by a writer that keeps
                // none) is closed.
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void aConnectionLostBeforeTheNumberIsTemporaryAndAsksNothing() throws Exception {
        Path socket = dir.resolve("w.sock");
        try (ServerSocketChannel server = listen(socket)) {
            CompletableFuture<QueueResult> result = send(new SocketQueueClient(socket, null, 30_000));
            try (SocketChannel ch = server.accept()) {
                readInjection(input(ch));
            } // the writer goes without a word: it never sent N, so it cannot have committed
            QueueResult q = result.get(60, TimeUnit.SECONDS);
            assertThat(q.exit()).isEqualTo(QueueExit.COMMUNICATION.code());
            assertThat(q.text()).isEqualTo("communication with mail server failed (#4.4.2)");
            server.configureBlocking(false);
            assertThat(server.accept()).as("no resolve for a number never heard").isNull();
        }
    }

    @Test
    void aConnectionLostAfterTheNumberIsResolved() throws Exception {
        Path socket = dir.resolve("w.sock");
        try (ServerSocketChannel server = listen(socket)) {
            CompletableFuture<QueueResult> result = send(new SocketQueueClient(socket, null, 30_000));
            try (SocketChannel ch = server.accept()) {
                readInjection(input(ch));
                WriterProtocol.writeStamped(Channels.newOutputStream(ch), WriterProtocol.PREPARED_STAMPED, 4711, 99);
                // Gone before the final answer: the client heard N, so it must ask.
            }
            try (SocketChannel ch = server.accept()) {
                InputStream in = input(ch);
                assertThat(in.read()).isEqualTo(WriterProtocol.RESOLVE_STAMPED);
                assertThat(WriterProtocol.readNumber(in)).isEqualTo(4711);
                assertThat(WriterProtocol.readNumber(in)).isEqualTo(99);
                WriterProtocol.writeFinal(Channels.newOutputStream(ch), 0);
            }
            QueueResult q = result.get(60, TimeUnit.SECONDS);
            assertThat(q.ok()).isTrue();
            assertThat(q.qp()).isEqualTo(4711);
        }
    }

    /** The next connection; a client that never makes it fails the test instead of hanging it. */
    private static SocketChannel accept(ServerSocketChannel server) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> server.accept());
    }

    /** Serves one message as the writer does: the injection, 'C', then N and 'Y' (kept). */
    private static Received serveOne(InputStream in, OutputStream out, long n) throws Exception {
        Received r = readInjection(in);
        assertThat(r.header().keep()).isTrue();
        assertThat(in.read()).isEqualTo(WriterProtocol.COMMIT);
        WriterProtocol.writeStamped(out, WriterProtocol.PREPARED_STAMPED, n, 99);
        WriterProtocol.writeKept(out);
        return r;
    }

    private static void assertNoOtherConnection(ServerSocketChannel server) throws IOException {
        server.configureBlocking(false);
        assertThat(server.accept()).as("no other connection").isNull();
    }

    /** A client whose first message was served on a connection it now keeps. */
    private record Kept(SocketQueueClient client, SocketChannel ch, InputStream in, OutputStream out) implements AutoCloseable {
        @Override
        public void close() throws IOException { ch.close(); }
    }

    private static Kept firstMessageServed(ServerSocketChannel server, Path socket) throws Exception {
        SocketQueueClient client = new SocketQueueClient(socket);
        CompletableFuture<QueueResult> first = send(client, "one\n");
        SocketChannel ch = accept(server);
        InputStream in = input(ch);
        OutputStream out = Channels.newOutputStream(ch);
        serveOne(in, out, 1);
        assertThat(first.get(60, TimeUnit.SECONDS).qp()).isEqualTo(1);
        return new Kept(client, ch, in, out);
    }

    @Test
    void aCommittedConnectionCarriesTheNextMessage() throws Exception {
        Path socket = dir.resolve("w.sock");
        try (ServerSocketChannel server = listen(socket)) {
            Kept k = firstMessageServed(server, socket);
            try (k) {
                CompletableFuture<QueueResult> second = send(k.client(), "two\n");
                Received r = serveOne(k.in(), k.out(), 2);
                assertThat(r.message()).isEqualTo("two\n");
                assertThat(second.get(60, TimeUnit.SECONDS).qp()).isEqualTo(2);
                assertNoOtherConnection(server);
            }
        }
    }

    @Test
    void aKeptConnectionClosedWhileIdleIsReplaced() throws Exception {
        Path socket = dir.resolve("w.sock");
        try (ServerSocketChannel server = listen(socket)) {
            Kept k = firstMessageServed(server, socket);
            k.close(); // closed idle, as the writer does after KEEP_IDLE_SECONDS or when it stops
            CompletableFuture<QueueResult> second = send(k.client(), "two\n");
            try (SocketChannel ch = accept(server)) {
                Received r = serveOne(input(ch), Channels.newOutputStream(ch), 2);
                assertThat(r.message()).isEqualTo("two\n");
                assertThat(r.envelope().recipients()).containsExactly("c@d.example");
                assertThat(second.get(60, TimeUnit.SECONDS).qp()).isEqualTo(2);
            }
        }
    }

    /**
     * A kept connection that takes the whole request and ends before N (its writer stopped as
     * the request went out): nothing can have been queued, so the same bytes go on a new one.
     */
    @Test
    void aRequestLostOnAKeptConnectionBeforeTheNumberGoesAgain() throws Exception {
        Path socket = dir.resolve("w.sock");
        try (ServerSocketChannel server = listen(socket)) {
            Kept k = firstMessageServed(server, socket);
            CompletableFuture<QueueResult> second;
            Received lost;
            try (k) {
                second = send(k.client(), "two\n");
                lost = readInjection(k.in());
                assertThat(k.in().read()).isEqualTo(WriterProtocol.COMMIT);
            }
            try (SocketChannel ch = accept(server)) {
                Received r = serveOne(input(ch), Channels.newOutputStream(ch), 2);
                assertThat(r).isEqualTo(lost);
                assertThat(r.message()).isEqualTo("two\n");
            }
            assertThat(second.get(60, TimeUnit.SECONDS).qp()).isEqualTo(2);
        }
    }

    /**
     * A message larger than the client's buffer went out in several writes, so the client no
     * longer holds it whole: lost before N on a kept connection, it is a temporary failure.
     */
    @Test
    void aLargeMessageLostOnAKeptConnectionIsTemporary() throws Exception {
        Path socket = dir.resolve("w.sock");
        String large = ("x".repeat(99) + "\n").repeat(1000);
        try (ServerSocketChannel server = listen(socket)) {
            Kept k = firstMessageServed(server, socket);
            CompletableFuture<QueueResult> second;
            try (k) {
                second = send(k.client(), large);
                assertThat(readInjection(k.in()).message()).isEqualTo(large);
                assertThat(k.in().read()).isEqualTo(WriterProtocol.COMMIT);
            }
            QueueResult q = second.get(60, TimeUnit.SECONDS);
            assertThat(q.exit()).isEqualTo(QueueExit.COMMUNICATION.code());
            assertNoOtherConnection(server);
        }
    }

    /**
     * A writer whose backlog is full (two pending connections on a backlog of one): clients
     * on virtual threads, whose connect the JDK makes non-blocking and so
     * fails at once with EAGAIN, wait until it accepts instead of failing.
     */
    @Test
    void virtualThreadsWaitOutAFullBacklog() throws Exception {
        Path socket = dir.resolve("w.sock");
        SocketQueueClient client = new SocketQueueClient(socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket), 1);
            // Two pending connections fill a backlog of one (the kernel refuses past it).
            SocketChannel f1 = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            SocketChannel f2 = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            List<CompletableFuture<QueueResult>> results = new java.util.ArrayList<>();
            List<Thread> clients = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                CompletableFuture<QueueResult> r = new CompletableFuture<>();
                clients.add(Thread.ofVirtual().start(() -> {
                    try (QueueClient.Session s = client.open()) {
                        s.message().write("m\n".getBytes(StandardCharsets.ISO_8859_1));
                        r.complete(s.commit(new Envelope("a@b.example", List.of("c@d.example"))));
                    } catch (Throwable e) {
                        r.completeExceptionally(e);
                    }
                }));
                results.add(r);
            }
            // Every client is between two connect attempts (sleeping: nothing else in open()
            // sleeps), so none can still find the first one's kept connection in the pool and
            // send on it instead of connecting: a client started late once did, and the accept
            // below waited for it in vain.
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                for (Thread t : clients) {
                    while (t.isAlive() && t.getState() != Thread.State.TIMED_WAITING) Thread.sleep(1);
                }
            });
            // The clients' connects find the backlog full; now the writer gets going.
            accept(server).close();
            accept(server).close();
            f1.close();
            f2.close();
            List<SocketChannel> served = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    SocketChannel ch = accept(server);
                    served.add(ch);
                    serveOne(input(ch), Channels.newOutputStream(ch), i + 1);
                }
                for (CompletableFuture<QueueResult> r : results) assertThat(r.get(60, TimeUnit.SECONDS).ok()).isTrue();
            } finally {
                for (SocketChannel ch : served) ch.close();
            }
        }
    }
}
