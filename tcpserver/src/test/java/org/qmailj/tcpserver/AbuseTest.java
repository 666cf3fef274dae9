package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Abuse against tcpserver running qmail-smtpd in-process in a JVM limited to a 64 MB heap:
 * if any of these buffered what the client sends, the server would die of OutOfMemoryError
 * (and the later checks on the same server would fail).
 */
class AbuseTest {
    @TempDir
    Path dir;

    private ServerProcess server(QueueStub q, String... opts) throws Exception {
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", q.home);
        c.add(1, "-Xmx64m");
        c.add(2, "-XX:+UseSerialGC");
        c.addAll(List.of(opts));
        return new ServerProcess(c, Map.of("QMAILQUEUE", q.stub.toString()));
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            if (c == '\n') break;
        }
        return b.toString();
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    /** Writes {@code total} bytes of CRLF text lines of {@code lineLength} (generated, not stored). */
    private static void stream(OutputStream out, long total, int lineLength) throws IOException {
        byte[] chunk = new byte[1 << 16];
        int period = lineLength + 2;
        long written = 0;
        long col = 0;
        while (written < total) {
            int n = (int) Math.min(chunk.length, total - written);
            for (int i = 0; i < n; i++) {
                long pos = col++;
                long inLine = pos % period;
                chunk[i] = inLine == lineLength ? (byte) '\r' : inLine == lineLength + 1 ? (byte) '\n' : (byte) 'a';
            }
            out.write(chunk, 0, n);
            written += n;
        }
    }

    private static void envelope(Socket s, InputStream in) throws IOException {
        line(in);
        send(s, "MAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n");
        assertThat(line(in) + line(in) + line(in)).isEqualTo("250 ok\r\n250 ok\r\n354 go ahead\r\n");
    }

    @Test
    void oneGigabyteMessageAndHundredMegabyteLineStreamToTheQueue() throws Exception {
        QueueStub q = new QueueStub(dir);
        q.discard();
        try (ServerProcess srv = server(q, "-1", "-v", "-RH", "-l0", "127.0.0.1", "0", "qmail-smtpd")) {
            long gb = 1L << 30;
            try (Socket s = srv.connect()) {
                InputStream in = s.getInputStream();
                envelope(s, in);
                stream(s.getOutputStream(), gb, 998);
                send(s, "\r\n.\r\n");
                assertThat(line(in)).matches("250 ok \\d+ qp \\d+\r\n");
            }
            long hundredMb = 100L << 20;
            try (Socket s = srv.connect()) {
                InputStream in = s.getInputStream();
                envelope(s, in);
                stream(s.getOutputStream(), hundredMb, Integer.MAX_VALUE);
                send(s, "\r\n.\r\n");
                assertThat(line(in)).matches("250 ok \\d+ qp \\d+\r\n");
            }
            // A client that goes away in the middle of a big message leaves nothing queued.
            try (Socket s = srv.connect()) {
                envelope(s, s.getInputStream());
                stream(s.getOutputStream(), 50L << 20, 998);
            }
            srv.awaitLog("tcpserver: end 3 status 256");
            assertThat(srv.process.isAlive()).isTrue();
        }
        List<Long> sizes = new ArrayList<>();
        for (String m : q.messages()) sizes.add(Long.parseLong(m.trim()));
        assertThat(sizes).hasSize(2);
        // Each CRLF became LF; the Received line is on top.
        assertThat(sizes.get(0)).isBetween((1L << 30) * 999 / 1000, (1L << 30) * 999 / 1000 + 200);
        assertThat(sizes.get(1)).isBetween((100L << 20) + 1, (100L << 20) + 200);
        assertThat(q.leftovers()).isEmpty();
    }

    @Test
    void endlessCommandLineGets421() throws Exception {
        QueueStub q = new QueueStub(dir);
        try (ServerProcess srv = server(q, "-1", "-RH", "-l0", "127.0.0.1", "0", "qmail-smtpd"); Socket s = srv.connect()) {
            InputStream in = s.getInputStream();
            line(in);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                byte[] x = new byte[65536];
                Arrays.fill(x, (byte) 'x');
                try {
                    send(s, "MAIL FROM:<");
                    for (int i = 0; i < 1000; i++) s.getOutputStream().write(x);
                } catch (IOException e) {
                    // the server closed the connection: expected
                }
            });
            assertThat(line(in)).isEqualTo("421 out of memory (#4.3.0)\r\n");
            assertThat(in.read()).isEqualTo(-1);
            writer.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void clientThatStopsReadingAndSlowloris() throws Exception {
        QueueStub q = new QueueStub(dir);
        q.control("timeoutsmtpd", "2");
        try (ServerProcess srv = server(q, "-1", "-v", "-RH", "-l0", "127.0.0.1", "0", "qmail-smtpd")) {
            // Sends NOOPs for ever and never reads a reply: the server's writes block, then time out.
            try (Socket s = srv.connect()) {
                s.setReceiveBufferSize(4096);
                long t0 = System.nanoTime();
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    byte[] noops = "NOOP\r\n".repeat(10_000).getBytes();
                    try {
                        while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30)) s.getOutputStream().write(noops);
                    } catch (IOException e) {
                        // closed by the server
                    }
                });
                srv.awaitLog("tcpserver: end 1 status 256");
                assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(15));
                // The server's reset may not reach the writer: this client's receive buffer,
                // shrunk after the handshake, dropped segments inside the window it had
                // offered, so the reset's sequence number lies beyond it and is ignored, and
                // the writer waits for its next zero-window probe (backed off to 25 s and
                // more). Reading opens the window: the replies that fit, then the end.
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                byte[] sink = new byte[65536];
                try {
                    while (in.read(sink) >= 0) {
                        // the replies the server wrote before it gave up
                    }
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("the server left the connection open", e);
                } catch (IOException e) {
                    // reset by the server: closed with our NOOPs unread
                }
                s.close();
                writer.get(30, TimeUnit.SECONDS);
            }
            // Slowloris: a byte now and then keeps qmail's per-read timeout happy...
            try (Socket s = srv.connect()) {
                InputStream in = s.getInputStream();
                line(in);
                for (char c : "NOOP\r\n".toCharArray()) {
                    send(s, String.valueOf(c));
                    Thread.sleep(300);
                }
                assertThat(line(in)).isEqualTo("250 ok\r\n");
                // ...but a pause longer than timeoutsmtpd ends the session.
                send(s, "NO");
                long t0 = System.nanoTime();
                assertThat(line(in)).isEqualTo("451 timeout (#4.4.2)\r\n");
                assertThat(System.nanoTime() - t0).isBetween(TimeUnit.MILLISECONDS.toNanos(1500), TimeUnit.SECONDS.toNanos(10));
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void thousandConcurrentConnections() throws Exception {
        QueueStub q = new QueueStub(dir);
        try (ServerProcess srv = server(q, "-1", "-c", "1000", "-b", "1000", "-RH", "-l0", "127.0.0.1", "0", "qmail-smtpd")) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) sockets.add(srv.connect());
                for (Socket s : sockets) assertThat(line(s.getInputStream())).isEqualTo("220 test.example ESMTP\r\n");
                long pid = srv.process.pid();
                List<String> status = Files.readAllLines(Path.of("/proc/" + pid + "/status"));
                int threads = Integer.parseInt(status.stream().filter(l -> l.startsWith("Threads:")).findFirst().orElseThrow()
                        .replaceAll("\\D", ""));
                long rssKb = Long.parseLong(status.stream().filter(l -> l.startsWith("VmRSS:")).findFirst().orElseThrow()
                        .replaceAll("\\D", ""));
                // 1,000 sessions: 32 on reused platform threads, the rest on virtual threads; a few
                // dozen kernel threads in all, not a thousand.
                assertThat(threads).isLessThan(100);
                assertThat(rssKb).isLessThan(400_000);
                for (Socket s : sockets) send(s, "QUIT\r\n");
                for (Socket s : sockets) assertThat(line(s.getInputStream())).isEqualTo("221 test.example\r\n");
            } finally {
                for (Socket s : sockets) s.close();
            }
        }
    }
}
