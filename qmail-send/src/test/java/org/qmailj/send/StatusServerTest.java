package org.qmailj.send;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /metrics and the status page of a running qmail-send ({@link SendHarness}): figures after
 * real deliveries, the page rendered by headless chromium with a hostile address escaped,
 * nothing listening without control/statusaddr, and deliveries going on while a slowloris
 * client holds every connection the status server allows.
 */
class StatusServerTest {
    @TempDir Path home;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private SendHarness startWithStatus(TestQueue tq) throws IOException {
        tq.control("statusaddr", "127.0.0.1:0");
        SendHarness h = new SendHarness(tq).start();
        h.await("the status server", () -> (StatusServer.listening(tq.home) != null), 30);
        return h;
    }

    private static String get(InetSocketAddress a, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path);
        return r.body();
    }

    /** The exposition text as sample (name with labels, as written) to value; HELP/TYPE checked. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        Set<String> typed = new HashSet<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                typed.add(line.split(" ")[2]);
                continue;
            }
            if (line.startsWith("#") || line.isEmpty()) continue;
            int sp = line.lastIndexOf(' ');
            String key = line.substring(0, sp);
            String name = key.contains("{") ? key.substring(0, key.indexOf('{')) : key;
            String family = name.replaceAll("_(bucket|sum|count)$", "");
            assertTrue(typed.contains(name) || typed.contains(family), "sample before its TYPE: " + line);
            assertTrue(name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*"), line);
            out.put(key, Double.parseDouble(line.substring(sp + 1).replace("+Inf", "Infinity")));
        }
        return out;
    }

    private static double value(Map<String, Double> m, String key) {
        Double v = m.get(key);
        if (v == null) throw new AssertionError("no sample " + key + " in " + m.keySet());
        return v;
    }

    @Test
    void metricsCountDeliveriesAndTheQueueEmpties() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = startWithStatus(tq)) {
            InetSocketAddress a = StatusServer.listening(tq.home);
            int n = 20;
            for (int i = 0; i < n; i++) tq.inject("m" + i, "sender@domain", "user" + i + "@domain", "r" + i + "@example.org");
            h.await("40 deliveries", () -> {
                try {
                    return h.delivered().size() == 2 * n;
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }, 60);
            Map<String, Double>[] m = new Map[1];
            h.await("an empty queue in /metrics", () -> {
                try {
                    m[0] = parse(get(a, "/metrics"));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                return m[0].get("qmailj_queue_messages{state=\"queued\"}") == 0
                        && m[0].get("qmailj_queue_messages{state=\"todo\"}") == 0
                        && m[0].get("qmailj_messages_completed_total") == n;
            }, 60);
            Map<String, Double> s = m[0];
            assertEquals(n, value(s, "qmailj_deliveries_total{channel=\"local\",result=\"success\"}"));
            assertEquals(n, value(s, "qmailj_deliveries_total{channel=\"remote\",result=\"success\"}"));
            assertEquals(0, value(s, "qmailj_deliveries_total{channel=\"local\",result=\"failure\"}"));
            assertEquals(0, value(s, "qmailj_deliveries_total{channel=\"remote\",result=\"deferral\"}"));
            assertEquals(n, value(s, "qmailj_deliveries_started_total{channel=\"local\"}"));
            assertEquals(n, value(s, "qmailj_messages_preprocessed_total"));
            assertEquals(0, value(s, "qmailj_queue_messages{state=\"bounce\"}"));
            assertEquals(0, value(s, "qmailj_queue_recipients{channel=\"remote\",state=\"pending\"}"));
            assertEquals(0, value(s, "qmailj_queue_oldest_message_age_seconds"));
            assertEquals(0, value(s, "qmailj_concurrency_in_use{channel=\"local\"}"));
            // the defaults (10, 20) under the spawners' 120
            assertEquals(10, value(s, "qmailj_concurrency_limit{channel=\"local\"}"));
            assertEquals(20, value(s, "qmailj_concurrency_limit{channel=\"remote\"}"));
            assertEquals(n, value(s, "qmailj_delivery_attempt_seconds_count{channel=\"remote\"}"));
            assertEquals(n, value(s, "qmailj_delivery_attempt_seconds_bucket{channel=\"remote\",le=\"+Inf\"}"));
            assertEquals(n, value(s, "qmailj_delivery_queue_delay_seconds_count{channel=\"local\"}"));
            assertTrue(value(s, "jvm_memory_heap_used_bytes") > 0);
            assertTrue(value(s, "jvm_threads_live") > 0);
            // read-only: anything but GET/HEAD is refused, unknown paths are 404
            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
            HttpResponse<String> other = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + "/queue/mess"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, other.statusCode());
        }
        assertFalse((StatusServer.listening(tq.home) != null), "stopped with qmail-send");
    }

    static final String HOSTILE = "<script>alert(1)</script>@x.example";

    @Test
    void statusPageInChromiumEscapesAddresses() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = startWithStatus(tq)) {
            InetSocketAddress a = StatusServer.listening(tq.home);
            for (int i = 0; i < 5; i++) tq.inject("ok" + i, "sender@domain", "user" + i + "@domain");
            tq.inject("hostile", "sender@domain", HOSTILE);
            tq.inject("deferred", "<b>sender</b>@domain", "defer<img src=x onerror=alert(2)>@y.example");
            tq.inject("failed", "sender@domain", "failuser@domain");
            h.await("the hostile delivery and the deferral", () -> {
                String log = h.log();
                return log.contains(": success: ") && log.contains(": deferral: ") && log.contains(": failure: ")
                        && h.logLines().stream().filter(l -> l.startsWith("end msg ")).count() >= 8;
            }, 60);
            // the census behind the page is at least as recent as this scrape's (it only moves forward)
            h.await("the queue counted after the deliveries", () -> {
                try {
                    Map<String, Double> m = parse(get(a, "/metrics"));
                    return m.get("qmailj_queue_messages{state=\"queued\"}") == 1 && m.get("qmailj_queue_messages{state=\"todo\"}") == 0
                            && m.get("qmailj_queue_messages{state=\"bounce\"}") == 0;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, 60);
            Path shot = Path.of("target", "status-page.png").toAbsolutePath();
            Files.createDirectories(shot.getParent());
            Files.deleteIfExists(shot);
            String url = "http://127.0.0.1:" + a.getPort() + "/";
            String dom = chromium("--dump-dom", url);
            chromium("--screenshot=" + shot, "--window-size=1100,1500", url);
            assertTrue(Files.size(shot) > 1000, "screenshot written");
            // the hostile addresses are text, not markup: escaped in the DOM, no element made of them
            assertTrue(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;@x.example"), dom);
            assertTrue(dom.contains("defer&lt;img src=x onerror=alert(2)&gt;@y.example"), dom);
            assertTrue(dom.contains("&lt;b&gt;sender&lt;/b&gt;@domain"), dom);
            assertFalse(dom.contains("<script"), dom);
            assertFalse(dom.contains("<img"), dom);
            assertFalse(dom.contains("<b>"), dom);
            // the figures: 6 local successes (5 + the bounce), 1 remote success, 1 deferral, 1 failure
            assertTrue(dom.contains("id=\"local-success\">6<"), dom);
            assertTrue(dom.contains("id=\"remote-success\">1<"), dom);
            assertTrue(dom.contains("id=\"remote-deferral\">1<"), dom);
            assertTrue(dom.contains("id=\"local-failure\">1<"), dom);
            assertTrue(dom.contains("id=\"queue-messages\">1<"), dom);
            assertTrue(dom.contains("<svg id=\"queue-chart\""), dom);
            assertTrue(dom.contains("Sorry, no mailbox") || dom.contains("id=\"failures\""), dom);
            assertTrue(dom.contains("starting delivery"), dom);
        }
    }

    private static String chromium(String... args) throws Exception {
        Path profile = Files.createTempDirectory("chromium");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
            assertEquals(0, p.exitValue(), "chromium exit");
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The TCP sockets this JVM listens on. */
    static Set<String> listening() throws IOException {
        return org.qmailj.testing.Scrape.listening(ProcessHandle.current().pid());
    }

    @Test
    void withoutStatusaddrNothingListens() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        Set<String> before = listening();
        try (SendHarness h = new SendHarness(tq).start()) {
            tq.inject("m2", "sender@domain", "user2@domain");
            h.await("a delivery", () -> h.log().contains(": success: "), 60);
            Set<String> added = listening();
            added.removeAll(before);
            assertEquals(Set.of(), added, "no new listening socket");
            assertFalse((StatusServer.listening(tq.home) != null));
        }
        // the control: with statusaddr the same check sees one more socket
        try (SendHarness h = startWithStatus(tq)) {
            Set<String> now = listening();
            now.removeAll(before);
            assertEquals(1, now.size(), "one listening socket: " + now);
        }
    }

    @Test
    void slowlorisDoesNotStallDeliveries() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = startWithStatus(tq)) {
            InetSocketAddress a = StatusServer.listening(tq.home);
            AtomicBoolean stop = new AtomicBoolean();
            List<Socket> sockets = new ArrayList<>();
            // more connections than the server takes, each sending a request one byte a second
            for (int i = 0; i < StatusServer.MAX_CONNECTIONS + 8; i++) {
                try {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", a.getPort()), 5000);
                    sockets.add(s);
                } catch (IOException e) {
                    // refused or dropped: the server's cap at work
                }
            }
            Thread loris = Thread.ofPlatform().daemon().start(() -> {
                byte[] req = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-a: b\r\nX-a: b\r\nX-a: b\r\n".getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; !stop.get(); i = (i + 1) % req.length) {
                    for (Socket s : sockets) {
                        try {
                            OutputStream o = s.getOutputStream();
                            o.write(req[i]);
                            o.flush();
                        } catch (IOException e) {
                            // closed by the server: fine
                        }
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            int n = 50;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) tq.inject("m" + i, "sender@domain", "user" + i + "@domain");
            h.await("50 deliveries under slowloris", () -> {
                try {
                    return h.delivered().size() == n;
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }, 30);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            stop.set(true);
            loris.join();
            for (Socket s : sockets) s.close();
            // once the slow clients are gone (or timed out) the page serves again
            Map<String, Double>[] m = new Map[1];
            h.await("a scrape after the slowloris", () -> {
                try {
                    m[0] = parse(get(a, "/metrics"));
                    return m[0].get("qmailj_deliveries_total{channel=\"local\",result=\"success\"}") == n;
                } catch (Exception e) {
                    return false;
                }
            }, 60);
            System.out.println("slowloris: " + sockets.size() + " connections held, " + n + " deliveries in " + ms + " ms");
        }
    }
}
