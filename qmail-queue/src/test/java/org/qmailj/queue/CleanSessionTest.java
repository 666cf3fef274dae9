package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * qmail-clean inside qmail-queued (WriterProtocol's 'K'): root and the writer's own uid (a real
 * child writer running as qmailq, here nobody) get a session, anyone else 81; a session does what
 * qmail-clean does, answers garbage 'x', lasts past the read timeout and holds no place in the
 * connection budget.
 */
@RootOnly
class CleanSessionTest {
    @TempDir Path dir;

    private static final class Session implements AutoCloseable {
        final SocketChannel ch;
        final OutputStream out;
        final InputStream in;

        Session(TestHome t) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(WriterProtocol.socket(t.queue)));
            out = Channels.newOutputStream(ch);
            in = Channels.newInputStream(ch);
            out.write(WriterProtocol.CLEAN);
            WriterProtocol.Answer a = WriterProtocol.readAnswer(in);
            assertThat(a).isEqualTo(new WriterProtocol.Final(0));
        }

        /** One command, its one-byte reply. */
        char command(String c) throws IOException {
            out.write((c + "\0").getBytes(StandardCharsets.ISO_8859_1));
            int r = in.read();
            assertThat(r).as("a reply to " + c).isNotNegative();
            return (char) r;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /**
     * In-process (root, as qmail-start), so the test sees the writer's own count of connections:
     * a child writer's budget also holds the start-up probes for a moment, which raced with the
     * sessions in CI.
     */
    @Test
    void rootGetsASessionOutsideTheBudgetAndTheTimeouts() throws Exception {
        TestHome t = TestHome.system(dir);
        // Two connections in all (the least there is), and reads time out after a second.
        WriterSettings settings = new WriterSettings(2, 1, 1, Duration.ofSeconds(1), false);
        QmailIds ids = QmailIds.read(t.home);
        try (WriterServer w = WriterServer.bind(new QueueWriter(t.queue, ReceivedLine.of(ids), Clock.systemUTC()), ids, settings)) {
            w.start();
            try (Session s = new Session(t); Session s2 = new Session(t)) {
                assertThat(w.connections()).isZero();
                assertThat(w.metrics().cleanSessions.sum()).isEqualTo(2);
                // Had the sessions counted, the budget would be full: a message queues.
                assertThat(WriterServerTest.thin(t, TestHome.bytes("to clean\n"), TestHome.bytes("Fa@x\0Tb@y\0\0"))).isZero();
                long n = t.todo().getFirst();
                assertThat(Files.exists(t.queue.intd(n))).isTrue();

                // Idle for longer than the read timeout, the session still serves.
                Thread.sleep(2500);
                assertThat(s.command("todo/" + n)).isEqualTo('+');
                assertThat(t.todo()).isEmpty();
                assertThat(Files.exists(t.queue.intd(n))).isFalse();
                assertThat(s.command("foop/" + n)).isEqualTo('+');
                assertThat(Files.exists(t.queue.mess(n))).isFalse();
                // Checked as qmail-clean checks: anything else is 'x', and the session goes on.
                assertThat(s.command("../../etc/passwd")).isEqualTo('x');
                assertThat(s.command("foop/" + "9".repeat(30))).isEqualTo('x');
                assertThat(s2.command("todo/12")).isEqualTo('+');
            }
            // Sessions closed: they end in the writer, which serves as before.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (w.metrics().cleanSessions.sum() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(w.metrics().cleanSessions.sum()).isZero();
            assertThat(WriterServerTest.thin(t, TestHome.bytes("after\n"), TestHome.bytes("Fa@x\0Tb@y\0\0"))).isZero();
        }
    }

    @Test
    void onlyRootAndTheWritersOwnUidGetOne() throws Exception {
        TestHome t = WriterDaemonTest.systemHome(dir);
        String cp = Jvm.publicClasspath(dir.resolve("cp"));
        Process d = WriterDaemonTest.startDaemon(cp, t);
        try {
            // qmaild (daemon, uid 1) and an ordinary uid: internal bug, 81, and closed.
            assertThat(askAs(t, WriterDaemonTest.DAEMON)).isEqualTo("5851");
            assertThat(askAs(t, 4321)).isEqualTo("5851");
            // qmailq (nobody) is the writer's own uid.
            assertThat(askAs(t, WriterDaemonTest.NOBODY)).isEqualTo("5800");
            assertThat(WriterDaemonTest.inject(cp, t, 4321, "still\n", "Fa@x\0Tb@y\0\0").exit()).isZero();
        } finally {
            d.destroy();
            d.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The answer to 'K' from a peer of {@code uid}, as hex, then what follows until the writer closes. */
    private static String askAs(TestHome t, int uid) throws Exception {
        String py = """
                import socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(sys.argv[1])
                s.sendall(b'K')
                s.settimeout(10)
                a = b''
                while len(a) < 2:
                    b = s.recv(2 - len(a))
                    if not b: break
                    a += b
                if a != b'X\\x00':
                    s.settimeout(10)
                    assert s.recv(1) == b'', 'refused but not closed'
                print(a.hex())
                """;
        Cmd.Result r = Cmd.run(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "/usr/bin/python3", "-c", py,
                WriterProtocol.socket(t.queue).toString()), Map.of(), null, new byte[0], 30);
        assertThat(r.exit()).as(r.toString()).isZero();
        return r.out().strip();
    }
}
