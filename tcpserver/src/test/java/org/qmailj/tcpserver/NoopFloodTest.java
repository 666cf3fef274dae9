package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * Every reply must leave nothing behind in tcpserver: 60 s of pipelined NOOPs from 8 clients
 * against a tcpserver with a 32 MB heap (which an object kept per reply fills within
 * seconds), then a normal message is still accepted, and the live heap and the RSS are small.
 * Meanwhile other clients are greeted and served within seconds.
 */
class NoopFloodTest {
    static final int CLIENTS = 8;
    static final long FLOOD_NANOS = TimeUnit.SECONDS.toNanos(60);
    /**
     * A platform thread per client reader and writer: the common pool has one thread on two
     * cores, and busy virtual readers could keep their writers from running for a long time.
     */
    static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "noop-flood");
        t.setDaemon(true);
        return t;
    });

    @TempDir
    Path dir;

    @Test
    void sixtySecondsOfPipelinedNoopsFromEightClientsAt32Megabytes() throws Exception {
        QueueStub q = new QueueStub(dir);
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", q.home);
        c.add(1, "-Xmx32m");
        c.add(2, "-XX:+UseSerialGC");
        c.addAll(List.of("-1", "-RH", "-l0", "127.0.0.1", "0", "qmail-smtpd"));
        try (ServerProcess srv = new ServerProcess(c, Map.of("QMAILQUEUE", q.stub.toString()))) {
            AtomicBoolean stop = new AtomicBoolean();
            List<CompletableFuture<Long>> clients = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < CLIENTS; i++) clients.add(CompletableFuture.supplyAsync(() -> flood(srv, stop), THREADS));
            List<Long> probes = new ArrayList<>();
            while (System.nanoTime() - t0 < FLOOD_NANOS) {
                assertThat(srv.process.isAlive()).as("tcpserver died: %s", srv.log).isTrue();
                // Others are still served: sessions that never block must not keep the carriers.
                try (Socket s = srv.connect()) {
                    long p0 = System.nanoTime();
                    s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
                            .isEqualTo("220 test.example ESMTP\r\n221 test.example\r\n");
                    long took = System.nanoTime() - p0;
                    // A starved accept or session would never answer while the flood lasts; one
                    // slow probe on a loaded 2-core machine (the test's own 16 flood threads
                    // compete with it) is not that.
                    assertThat(took).as("probe during the flood").isLessThan(TimeUnit.SECONDS.toNanos(30));
                    probes.add(took);
                }
                Thread.sleep(2000);
            }
            assertThat(probes).hasSizeGreaterThan(5);
            // Served within seconds as a rule: most probes are quick.
            List<Long> sorted = probes.stream().sorted().toList();
            assertThat(sorted.get(sorted.size() / 2)).as("median probe during the flood, all: %s", sorted)
                    .isLessThan(TimeUnit.SECONDS.toNanos(3));
            stop.set(true);
            long replies = 0;
            for (CompletableFuture<Long> f : clients) replies += f.get(60, TimeUnit.SECONDS);
            // Enough replies that one object kept per reply would not fit in 32 MB.
            assertThat(replies).isGreaterThan(500_000);
            // Then 5 s of a client that waits for each reply, so that each of the server's reads
            // waits (a timed park, SO_TIMEOUT): those timers must not pile up either.
            long waited = pingPong(srv, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            assertThat(waited).isGreaterThan(5_000);

            try (Socket s = srv.connect()) {
                s.getOutputStream().write(("HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@test.example>\r\nDATA\r\n"
                        + "hi\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.ISO_8859_1));
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1)).matches(
                        "220 test.example ESMTP\r\n250 test.example\r\n250 ok\r\n250 ok\r\n354 go ahead\r\n"
                                + "250 ok \\d+ qp \\d+\r\n221 test.example\r\n");
            }
            long pid = srv.process.pid();
            String histogram = jcmd(pid, "GC.class_histogram");
            assertThat(instances(histogram, "java.util.concurrent.ScheduledThreadPoolExecutor$ScheduledFutureTask"))
                    .isLessThan(100);
            Matcher total = Pattern.compile("(?m)^Total\\s+(\\d+)\\s+(\\d+)").matcher(histogram);
            assertThat(total.find()).as(histogram).isTrue();
            assertThat(Long.parseLong(total.group(2))).as("live heap bytes").isLessThan(12L << 20);
            long rssKb = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.startsWith("VmHWM:")).map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst()
                    .orElseThrow();
            assertThat(rssKb).as("peak RSS in kB").isLessThan(200_000);
            System.out.printf("NoopFloodTest: %d pipelined replies in 60 s, then %d waited-for in 5 s, live heap %s bytes,"
                    + " peak RSS %d kB%n", replies, waited, total.group(2), rssKb);
        }
        assertThat(q.messages()).hasSize(1);
    }

    /** Writes NOOPs in batches while another thread counts the replies; returns the count. */
    private static long flood(ServerProcess srv, AtomicBoolean stop) {
        try (Socket s = srv.connect()) {
            InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
            OutputStream out = s.getOutputStream();
            byte[] batch = "NOOP\r\n".repeat(200).getBytes(StandardCharsets.ISO_8859_1);
            CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
                long sent = 0;
                try {
                    while (!stop.get()) {
                        out.write(batch);
                        sent += 200;
                    }
                    out.write("QUIT\r\n".getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                return sent;
            }, THREADS);
            assertThat(line(in)).isEqualTo("220 test.example ESMTP\r\n");
            long replies = 0;
            while (true) {
                String l = line(in);
                if (l.equals("221 test.example\r\n")) break;
                if (!l.equals("250 ok\r\n")) throw new AssertionError("reply " + replies + ": " + l);
                replies++;
            }
            assertThat(replies).isEqualTo(writer.get(60, TimeUnit.SECONDS));
            assertThat(in.read()).isEqualTo(-1);
            return replies;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** NOOP, wait for its reply, again; returns the count. */
    private static long pingPong(ServerProcess srv, long until) {
        try (Socket s = srv.connect()) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            byte[] noop = "NOOP\r\n".getBytes(StandardCharsets.ISO_8859_1);
            assertThat(line(in)).isEqualTo("220 test.example ESMTP\r\n");
            long replies = 0;
            while (System.nanoTime() < until) {
                out.write(noop);
                String l = line(in);
                if (!l.equals("250 ok\r\n")) throw new AssertionError("reply " + replies + ": " + l);
                replies++;
            }
            return replies;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder(16);
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            if (c == '\n') break;
        }
        return b.toString();
    }

    static String jcmd(long pid, String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Cmd.Result r = Cmd.run(List.of(jcmd.toString(), Long.toString(pid), command), Map.of(), null, new byte[0], 60);
        assertThat(r.exit()).as(r.toString()).isZero();
        return r.out();
    }

    /** The instance count of {@code className} in a class histogram, 0 when absent. */
    private static long instances(String histogram, String className) {
        Matcher m = Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+\\d+\\s+" + Pattern.quote(className) + "\\b")
                .matcher(histogram);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
