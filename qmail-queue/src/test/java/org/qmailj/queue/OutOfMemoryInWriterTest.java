package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.QueueExit;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;

/**
 * OutOfMemoryError in one connection of the queue writer (a child JVM, OomWriterMain): that
 * connection's files go, the connections not yet told their number are dropped and theirs go
 * too, the writer exits 111 with one line on stderr; a connection already told N keeps its
 * files for its client's resolve, which a restarted writer answers 74 after removing them.
 */
class OutOfMemoryInWriterTest {
    @TempDir Path dir;

    @Test
    void outOfMemoryLeavesOnlyWhatAResolveWillJudge() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        String cp = System.getProperty("java.class.path");
        Path err = dir.resolve("writer.err");
        Process w = new ProcessBuilder(Jvm.command(cp, t.home.root(), null, "org.qmailj.queue.OomWriterMain"))
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        SocketQueueClient probe = new SocketQueueClient(WriterProtocol.socket(t.queue));
        for (int i = 0; i < 500 && !probe.answers(); i++) Thread.sleep(20);
        try (SocketChannel half = connect(t); SocketChannel prepared = connect(t); SocketChannel victim = connect(t)) {
            // A: half a message (mess/S/N exists, nothing answered yet).
            OutputStream a = Channels.newOutputStream(half);
            WriterProtocol.writeHeader(a, 1, null);
            a.write(new byte[] {0, 0, 16, 0});
            a.write(new byte[100]);
            WriterIsolationTest.awaitFiles(t, "mess");
            // B: told its number, commit not yet sent.
            OutputStream b = Channels.newOutputStream(prepared);
            WriterProtocol.writeHeader(b, 2, null);
            WriterProtocol.ChunkOutputStream bc = new WriterProtocol.ChunkOutputStream(b);
            bc.write(bytes("prepared\n"));
            bc.close();
            b.write(bytes("Fa@b\0Tc@d\0\0"));
            long n = ((WriterProtocol.Prepared) WriterProtocol.readAnswer(Channels.newInputStream(prepared))).number();
            // C: its thread runs out of memory after making mess/S/N.
            Files.writeString(t.home.root().resolve("oom"), "");
            WriterProtocol.writeHeader(Channels.newOutputStream(victim), 3, null);

            assertThat(w.waitFor(30, TimeUnit.SECONDS)).as("the writer exits").isTrue();
            assertThat(w.exitValue()).isEqualTo(111);
            assertThat(Files.readString(err)).contains("qmail-queued: fatal: unexpected java.lang.OutOfMemoryError: Java heap space (test)")
                    .contains("exiting 111");
            assertThat(eof(half)).isTrue();
            assertThat(t.leftovers()).as("only the prepared message's files")
                    .containsExactlyInAnyOrder(t.queue.mess(n), t.queue.intd(n));

            // B's client asks a restarted writer: not queued, and its files are emptied (kept
            // for qmail-send's 36-hour cleanup, so that asking again gives the same answer).
            Process restarted = WriterDaemonTest.startDaemon(cp, t);
            try {
                for (int ask = 0; ask < 2; ask++) {
                    try (SocketChannel r = connect(t)) {
                        WriterProtocol.writeNumber(Channels.newOutputStream(r), WriterProtocol.RESOLVE, n);
                        assertThat(WriterProtocol.readAnswer(Channels.newInputStream(r)))
                                .isEqualTo(new WriterProtocol.Final(QueueExit.COMMUNICATION.code()));
                    }
                }
            } finally {
                restarted.destroy();
                restarted.waitFor(10, TimeUnit.SECONDS);
            }
            assertThat(t.leftovers()).containsExactlyInAnyOrder(t.queue.mess(n), t.queue.intd(n));
            assertThat(t.queue.intd(n)).isEmptyFile();
            assertThat(t.queue.mess(n)).isEmptyFile();
            assertThat(t.todo()).isEmpty();
        } finally {
            w.destroyForcibly();
            w.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static SocketChannel connect(TestHome t) throws Exception {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(WriterProtocol.socket(t.queue)));
        return ch;
    }

    /** The writer closed this connection without an answer. */
    static boolean eof(SocketChannel ch) throws Exception {
        InputStream in = Channels.newInputStream(ch);
        try {
            return in.read() < 0;
        } catch (java.io.IOException e) {
            return true;
        }
    }

}
