package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;
import static org.qmailj.queue.TestHome.str;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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
import org.qmailj.common.sys.Proc;
import org.qmailj.testing.RootOnly;

/**
 * The queue writer daemon in-process, driven by bin/qmail-queue's thin client and by raw
 * socket peers: the faults of issue 3, each followed by a good message (the writer keeps
 * serving), and the small tmpfs / read-only file system faults for both the daemon and the
 * direct path.
 */
@RootOnly
class WriterServerTest {
    @TempDir Path dir;

    static WriterServer serve(TestHome t) throws IOException {
        WriterServer s = WriterServer.bind(new QueueWriter(t.queue, ReceivedLine.of(QmailIds.read(t.home)), Clock.systemUTC()),
                QmailIds.read(t.home));
        s.start();
        return s;
    }

    static int thin(TestHome t, byte[] message, byte[] envelope) {
        return QmailQueue.run(t.home, new ByteArrayInputStream(message), new ByteArrayInputStream(envelope),
                new PrintStream(new ByteArrayOutputStream()));
    }

    /**
     * The writer notices a vanished client only when it next reads, so its files may appear
     * after the client is gone and vanish later: wait until none has been seen for 500 ms.
     */
    static void awaitNoLeftovers(TestHome t) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        long emptySince = -1;
        while (System.nanoTime() < deadline) {
            if (!t.leftovers().isEmpty()) emptySince = -1;
            else if (emptySince < 0) emptySince = System.nanoTime();
            else if (System.nanoTime() - emptySince > 500_000_000L) return;
            Thread.sleep(10);
        }
        assertThat(t.leftovers()).isEmpty();
    }

    static void goodMessageStillQueues(TestHome t) throws Exception {
        int before = t.todo().size();
        assertThat(thin(t, bytes("ok\n"), bytes("Fa@b\0Tc@d\0\0"))).isZero();
        assertThat(t.todo()).hasSize(before + 1);
    }

    @Test
    void thinClientQueuesThroughTheWriter() throws Exception {
        TestHome t = TestHome.system(dir);
        try (WriterServer s = serve(t)) {
            assertThat(thin(t, bytes("Subject: s\n\nbody\n"), bytes("Fme@x\0Tyou@y\0Tz@w\0\0"))).isZero();
            long n = t.todo().getFirst();
            assertThat(str(t.mess(n))).matches("Received: \\(qmail " + ProcessHandle.current().pid()
                    + " invoked by uid 0\\); .* -0000\nSubject: s\n\nbody\n");
            assertThat(str(Files.readAllBytes(t.queue.todo(n))))
                    .isEqualTo("u0\0p" + ProcessHandle.current().pid() + "\0Fme@x\0Tyou@y\0Tz@w\0");
            assertThat(t.files("pid")).isEmpty();
        }
    }

    @Test
    void badEnvelopesOverTheSocket() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = serve(t)) {
            for (Object[] c : QueueWriterTest.BAD) {
                assertThat(thin(t, bytes("m\n"), bytes((String) c[1]))).as((String) c[0]).isEqualTo(((QueueExit) c[2]).code());
                awaitNoLeftovers(t);
            }
            // The writer's own parser, given the raw bad envelopes by a peer that skips the
            // client-side check.
            for (Object[] c : QueueWriterTest.BAD) {
                if (c[2] == QueueExit.READ_ERROR) continue;
                assertThat(raw(t, bytes("m\n"), bytes((String) c[1]))).as((String) c[0]).isEqualTo(((QueueExit) c[2]).code());
                awaitNoLeftovers(t);
            }
            goodMessageStillQueues(t);
        }
    }

    /** Sends a message and a raw envelope; returns the final answer's exit code. */
    static int raw(TestHome t, byte[] message, byte[] envelope) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(WriterProtocol.socket(t.queue)));
            OutputStream out = Channels.newOutputStream(ch);
            InputStream in = Channels.newInputStream(ch);
            WriterProtocol.writeHeader(out, 1, null);
            WriterProtocol.ChunkOutputStream c = new WriterProtocol.ChunkOutputStream(out);
            c.write(message);
            c.close();
            out.write(envelope);
            WriterProtocol.Answer a = WriterProtocol.readAnswer(in);
            if (a instanceof WriterProtocol.Prepared) {
                out.write(WriterProtocol.COMMIT);
                a = WriterProtocol.readAnswer(in);
            }
            return ((WriterProtocol.Final) a).exit();
        }
    }

    @Test
    void oneByteAtATime() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = serve(t); SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(s.socket()));
            java.io.ByteArrayOutputStream req = new java.io.ByteArrayOutputStream();
            WriterProtocol.writeHeader(req, 77, "qmaild");
            WriterProtocol.ChunkOutputStream c = new WriterProtocol.ChunkOutputStream(req);
            c.write(bytes("one\n"));
            c.flush();
            c.write(bytes("two\n"));
            c.close();
            req.write(bytes("Fa@b\0Tc@d\0Te@f\0\0"));
            OutputStream out = Channels.newOutputStream(ch);
            for (byte b : req.toByteArray()) {
                out.write(b);
                out.flush();
            }
            InputStream in = Channels.newInputStream(ch);
            long n = ((WriterProtocol.Prepared) WriterProtocol.readAnswer(in)).number();
            out.write(WriterProtocol.COMMIT);
            assertThat(WriterProtocol.readAnswer(in)).isEqualTo(new WriterProtocol.Final(0));
            assertThat(str(t.mess(n))).matches("Received: \\(qmail 77 invoked from network\\); .*\none\ntwo\n");
            assertThat(str(Files.readAllBytes(t.queue.todo(n)))).isEqualTo("u" + Proc.getuid() + "\0p" + n + "\0Fa@b\0Tc@d\0Te@f\0");
        }
    }

    @Test
    void nulBytesSurviveTheSocket() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = serve(t)) {
            byte[] msg = new byte[200_000];
            for (int i = 0; i < msg.length; i++) msg[i] = (byte) (i % 7 == 0 ? 0 : i);
            assertThat(thin(t, msg, bytes("Fa\0Tb\0\0"))).isZero();
            byte[] m = t.mess(t.todo().getFirst());
            assertThat(java.util.Arrays.copyOfRange(m, m.length - msg.length, m.length)).isEqualTo(msg);
        }
    }

    @Test
    void callerDisconnectingMidMessageLeavesNothing() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = serve(t)) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(s.socket()));
                OutputStream out = Channels.newOutputStream(ch);
                WriterProtocol.writeHeader(out, 1, null);
                out.write(new byte[] {0, 0, 16, 0}); // a 4096-byte chunk ...
                out.write(new byte[100]);            // ... cut short
            }
            awaitNoLeftovers(t);
            // Disconnect after the message, inside the envelope, and after 'P' without 'C'.
            QueueClient c = new SocketQueueClient(s.socket());
            try (QueueClient.Session sess = c.open()) {
                sess.message().write(bytes("half a message"));
                sess.message().flush();
            }
            awaitNoLeftovers(t);
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(s.socket()));
                OutputStream out = Channels.newOutputStream(ch);
                WriterProtocol.writeHeader(out, 1, null);
                new WriterProtocol.ChunkOutputStream(out).close();
                out.write(bytes("Fa\0Tb\0\0"));
                assertThat(WriterProtocol.readAnswer(Channels.newInputStream(ch))).isInstanceOf(WriterProtocol.Prepared.class);
            }
            awaitNoLeftovers(t);
            goodMessageStillQueues(t);
        }
    }

    @Test
    void resolveAfterALostAnswer() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = serve(t)) {
            QueueWriter w = new QueueWriter(t.queue, ReceivedLine.of(QmailIds.read(t.home)), Clock.systemUTC());
            QueueWriter.Staged st = w.stage(new QueueWriter.Origin(Proc.getuid(), 1, null), new ByteArrayInputStream(bytes("x")));
            st.intd(new Envelope("a", List.of("b")));
            QueueWriter.Staged linked = w.stage(new QueueWriter.Origin(Proc.getuid(), 1, null), new ByteArrayInputStream(bytes("y")));
            linked.intd(new Envelope("a", List.of("b")));
            linked.link();
            assertThat(resolve(s, st.number())).isEqualTo(QueueExit.COMMUNICATION.code());
            assertThat(resolve(s, linked.number())).isZero();
            // st is withdrawn: its files stay, empty, so N is not reused and every later
            // resolve (the answer to this one may be lost too) gives the same answer.
            assertThat(t.leftovers()).containsExactlyInAnyOrder(t.queue.mess(linked.number()),
                    t.queue.intd(linked.number()), t.queue.todo(linked.number()),
                    t.queue.mess(st.number()), t.queue.intd(st.number()));
            assertThat(Files.size(t.queue.intd(st.number()))).isZero();
            assertThat(Files.size(t.queue.mess(st.number()))).isZero();
            assertThat(resolve(s, st.number())).as("asked again").isEqualTo(QueueExit.COMMUNICATION.code());
        }
        // The writer that withdrew it was killed before its answer arrived; a new one (nothing
        // in memory) is asked: the answer is the same. Before, intd/N was removed and a missing
        // intd/N reads as "committed": the client was told 0 and its message was lost
        // (KillWriterTest caught it, once in many runs).
        try (WriterServer s = serve(t)) {
            QueueWriter w = new QueueWriter(t.queue, ReceivedLine.of(QmailIds.read(t.home)), Clock.systemUTC());
            QueueWriter.Staged st = w.stage(new QueueWriter.Origin(Proc.getuid(), 1, null), new ByteArrayInputStream(bytes("z")));
            st.intd(new Envelope("a", List.of("b")));
            assertThat(resolve(s, st.number())).isEqualTo(QueueExit.COMMUNICATION.code());
        }
        try (WriterServer s = serve(t)) {
            for (Path p : t.files("intd")) {
                assertThat(resolve(s, Long.parseLong(p.getFileName().toString()))).as(p.toString())
                        .isEqualTo(Files.size(p) == 0 ? QueueExit.COMMUNICATION.code() : 0);
            }
            assertThat(t.todo()).hasSize(1);
        }
    }

    /**
     * A client's commit answer is lost, and by the time it asks, its message was delivered,
     * qmail-clean pooled the message file, and another message took that inode: the same
     * number N, from the same uid, not yet committed. The stamp (intd/N's modification time)
     * tells the two apart: the first client hears "queued" and the other message is left
     * whole; asked with the other message's own stamp, the writer withdraws that one as before.
     */
    @Test
    void aStampTellsAReusedNumberFromTheMessageThatHadIt() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        try (WriterServer s = serve(t)) {
            long n;
            long stamp;
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(s.socket()));
                OutputStream out = Channels.newOutputStream(ch);
                InputStream in = Channels.newInputStream(ch);
                WriterProtocol.writeHeader(out, 1, null);
                WriterProtocol.ChunkOutputStream chunks = new WriterProtocol.ChunkOutputStream(out);
                chunks.write(bytes("first\n"));
                chunks.close();
                out.write(bytes("Fa@b\0Tc@d\0\0"));
                WriterProtocol.Prepared p = (WriterProtocol.Prepared) WriterProtocol.readAnswer(in);
                n = p.number();
                stamp = p.stamp();
                assertThat(stamp).isEqualTo(Files.getLastModifiedTime(t.queue.intd(n)).to(java.util.concurrent.TimeUnit.NANOSECONDS));
                out.write(WriterProtocol.COMMIT);
                assertThat(WriterProtocol.readAnswer(in)).isEqualTo(new WriterProtocol.Final(0)); // the answer "lost"
            }
            // Delivered and cleaned: todo/N and intd/N gone, mess/S/N moved to the pool, long enough ago.
            Files.delete(t.queue.todo(n));
            Files.delete(t.queue.intd(n));
            Files.createDirectories(t.queue.dir("pool"));
            Files.move(t.queue.mess(n), t.queue.dir("pool").resolve((System.currentTimeMillis() / 1000 - 100) + "." + n + ".m"));
            QueueWriter pooling = new QueueWriter(t.queue, ReceivedLine.of(QmailIds.read(t.home)), Clock.systemUTC(), true);
            QueueWriter.Staged other = pooling.stage(new QueueWriter.Origin(Proc.getuid(), 2, null), new ByteArrayInputStream(bytes("second\n")));
            other.intd(new Envelope("e@f", List.of("g@h")));
            assertThat(other.number()).as("the pooled inode, so the same number").isEqualTo(n);
            assertThat(other.stamp()).isNotEqualTo(stamp);
            byte[] otherEnvelope = Files.readAllBytes(t.queue.intd(n));

            assertThat(resolveStamped(s, n, stamp)).as("the first message was committed").isZero();
            assertThat(Files.readAllBytes(t.queue.intd(n))).isEqualTo(otherEnvelope);
            assertThat(str(Files.readAllBytes(t.queue.mess(n)))).endsWith("second\n");
            assertThat(resolveStamped(s, n, other.stamp())).as("the other message, never committed").isEqualTo(QueueExit.COMMUNICATION.code());
            assertThat(t.queue.intd(n)).isEmptyFile();
            assertThat(t.queue.mess(n)).isEmptyFile();
        }
    }

    static int resolveStamped(WriterServer s, long n, long stamp) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(s.socket()));
            WriterProtocol.writeStamped(Channels.newOutputStream(ch), WriterProtocol.RESOLVE_STAMPED, n, stamp);
            return ((WriterProtocol.Final) WriterProtocol.readAnswer(Channels.newInputStream(ch))).exit();
        }
    }

    /** Waits (at most 10 s) until message n is withdrawn: intd/N and mess/S/N there and empty. */
    static void awaitWithdrawn(TestHome t, long n) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!(isEmptyFile(t.queue.intd(n)) && isEmptyFile(t.queue.mess(n))) && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(t.queue.intd(n)).exists().isEmptyFile();
        assertThat(t.queue.mess(n)).exists().isEmptyFile();
    }

    private static boolean isEmptyFile(Path p) throws IOException {
        return Files.isRegularFile(p) && Files.size(p) == 0;
    }

    static int resolve(WriterServer s, long n) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(s.socket()));
            WriterProtocol.writeNumber(Channels.newOutputStream(ch), WriterProtocol.RESOLVE, n);
            return ((WriterProtocol.Final) WriterProtocol.readAnswer(Channels.newInputStream(ch))).exit();
        }
    }

    @Test
    void diskFullIs53ThroughTheWriterAndDirectly() throws Exception {
        byte[] big = new byte[2 << 20];
        java.util.Arrays.fill(big, (byte) 'x');
        try (Mounts m = Mounts.tmpfs(dir.resolve("mnt"), "1m")) {
            TestHome t = TestHome.sandbox(m.dir);
            assertThat(thin(t, big, bytes("Fa\0Tb\0\0"))).as("direct").isEqualTo(QueueExit.WRITE_ERROR.code());
            assertThat(t.leftovers()).isEmpty();
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            PrintStream stderr = System.err;
            System.setErr(new PrintStream(log, true));
            try (WriterServer s = serve(t)) {
                // The client's own fault first: counted in the metrics, not in the log line.
                assertThat(raw(t, bytes("m\n"), bytes("Fa\0Fb\0\0"))).as("second F").isEqualTo(QueueExit.ENVELOPE_FORMAT.code());
                assertThat(thin(t, big, bytes("Fa\0Tb\0\0"))).as("writer").isEqualTo(QueueExit.WRITE_ERROR.code());
                awaitNoLeftovers(t);
                System.setErr(stderr);
                assertThat(log.toString()).contains("warning: message refused, exit 53: ").contains("(1 refused so far)")
                        .doesNotContain("exit " + QueueExit.ENVELOPE_FORMAT.code());
                QueueResult r;
                try (QueueClient.Session sess = new SocketQueueClient(s.socket()).open()) {
                    sess.message().write(big);
                    r = sess.commit(new Envelope("a", List.of("b")));
                }
                assertThat(r.exit()).isEqualTo(53);
                assertThat(r.report()).isEqualTo("Zqq write error or disk full (#4.3.0)");
                awaitNoLeftovers(t);
                goodMessageStillQueues(t);
            } finally {
                System.setErr(stderr);
            }
        }
    }

    @Test
    void unwritableQueueIs63AndNothingIsLeft() throws Exception {
        try (Mounts m = Mounts.tmpfs(dir.resolve("mnt"), "4m")) {
            TestHome t = TestHome.sandbox(m.dir);
            try (WriterServer s = serve(t)) {
                m.readOnly(true);
                assertThat(thin(t, bytes("m\n"), bytes("Fa\0Tb\0\0"))).as("writer").isEqualTo(QueueExit.PID_DIR.code());
                m.readOnly(false);
                assertThat(t.leftovers()).isEmpty();
                goodMessageStillQueues(t);
            }
            List<Path> before = t.leftovers();
            m.readOnly(true);
            assertThat(thin(t, bytes("m\n"), bytes("Fa\0Tb\0\0"))).as("direct").isEqualTo(QueueExit.PID_DIR.code());
            m.readOnly(false);
            assertThat(t.leftovers()).isEqualTo(before);
        }
    }
}
