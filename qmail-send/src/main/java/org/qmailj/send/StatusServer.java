package org.qmailj.send;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.qmailj.common.QmailHome;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.log.QmailLog;
import org.qmailj.common.queue.QueueLayout;

/**
 * /metrics and the status page, on the address in control/statusaddr (none: nothing listens).
 * The JDK's HTTP server on its own threads, apart from the scheduler: the handlers read
 * {@link SendMetrics}' adders, {@link SendLog}'s tail and a {@link QueueCensus}, and change
 * nothing. A hostile or slow client is bounded: {@link #THREADS} handler threads and a queue
 * of {@link #QUEUED} (beyond that the connection is closed), at most {@link #MAX_CONNECTIONS}
 * connections, {@link #MAX_REQUEST_SECONDS} to send a request, GET and HEAD only, no request
 * body read, responses of bounded size. A sampler thread counts the queue every
 * {@link StatusHistory#INTERVAL_SECONDS} for the chart.
 */
final class StatusServer implements AutoCloseable {
    static final int THREADS = 2;
    static final int QUEUED = 8;
    static final int MAX_CONNECTIONS = 16;
    static final int MAX_REQUEST_SECONDS = 5;
    /** A scrape reuses a census this recent (a busy scraper cannot make the status thread spin on the queue). */
    static final long CENSUS_TTL_MS = 1000;

    /** Where each home's server listens: tests bind port 0 and read the port here. */
    static final Map<Path, InetSocketAddress> LISTENING = new ConcurrentHashMap<>();

    private final HttpServer http;
    private final ThreadPoolExecutor pool;
    private final Thread sampler;
    private final Path home;
    private final QueueLayout queue;
    private final SendMetrics metrics;
    private final SendLog log;
    private final StatusHistory history = new StatusHistory();
    private QueueCensus census;
    private volatile boolean closed;

    /** Starts the server if control/statusaddr names an address; a bad one is logged and skipped. */
    static Optional<StatusServer> start(QmailHome home, QueueLayout queue, SendMetrics metrics, SendLog log) {
        Optional<String> addr;
        try {
            addr = home.control().line("statusaddr");
        } catch (ControlException e) {
            log.line(QmailLog.warning("unable to read control/statusaddr; no status page"));
            return Optional.empty();
        }
        if (addr.isEmpty() || addr.get().isBlank()) return Optional.empty();
        InetSocketAddress sa;
        try {
            sa = parse(addr.get().trim());
        } catch (IllegalArgumentException | IOException e) {
            log.line(QmailLog.warning("bad control/statusaddr " + QmailLog.safe(addr.get()) + "; no status page"));
            return Optional.empty();
        }
        try {
            StatusServer s = new StatusServer(home.root(), sa, queue, metrics, log);
            LISTENING.put(home.root(), (InetSocketAddress) s.http.getAddress());
            return Optional.of(s);
        } catch (IOException e) {
            // Monitoring must not stop mail: qmail-send runs on without it.
            log.line(QmailLog.warning("unable to listen on " + QmailLog.safe(addr.get()) + " for the status page; no status page"));
            return Optional.empty();
        }
    }

    /** {@code host:port}, {@code [v6]:port}. */
    static InetSocketAddress parse(String s) throws IOException {
        int colon = s.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("no port");
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = Integer.parseInt(s.substring(colon + 1));
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port");
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    private StatusServer(Path home, InetSocketAddress sa, QueueLayout queue, SendMetrics metrics, SendLog log) throws IOException {
        this.home = home;
        this.queue = queue;
        this.metrics = metrics;
        this.log = log;
        limits();
        AtomicInteger n = new AtomicInteger();
        pool = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED),
                r -> {
                    Thread t = new Thread(r, "status-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy()); // the server closes a connection it cannot hand over
        http = HttpServer.create(sa, 16);
        http.setExecutor(pool);
        http.createContext("/", this::handle);
        http.start();
        sampler = Thread.ofPlatform().daemon().name("status-sampler").start(this::sampleLoop);
    }

    /** The JDK server reads its limits from system properties once; an operator's -D wins. */
    private static void limits() {
        setDefault("sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS));
        setDefault("sun.net.httpserver.maxRspTime", Integer.toString(MAX_REQUEST_SECONDS));
        setDefault("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
        setDefault("sun.net.httpserver.maxReqHeaders", "32");
        setDefault("sun.net.httpserver.maxReqHeaderSize", "8192");
        setDefault("sun.net.httpserver.idleInterval", "10");
        setDefault("sun.net.httpserver.maxIdleConnections", "4");
    }

    private static void setDefault(String k, String v) {
        if (System.getProperty(k) == null) System.setProperty(k, v);
    }

    /** The first census here too, not on the main thread: a big queue must not delay the scheduler's start. */
    private void sampleLoop() {
        while (!closed) {
            sample();
            try {
                Thread.sleep(StatusHistory.INTERVAL_SECONDS * 1000L);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample() {
        QueueCensus c = census(true);
        history.add(new StatusHistory.Sample(c.at(), c.messages(), metrics.deliveries(SendMetrics.Result.SUCCESS),
                metrics.deliveries(SendMetrics.Result.DEFERRAL), metrics.deliveries(SendMetrics.Result.FAILURE)));
    }

    private synchronized QueueCensus census(boolean fresh) {
        if (fresh || census == null || System.currentTimeMillis() - census.at() * 1000 > CENSUS_TTL_MS) census = QueueCensus.scan(queue);
        return census;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            boolean head = method.equals("HEAD");
            if (!head && !method.equals("GET")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n", false);
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            switch (path) {
                case "/metrics" -> send(ex, 200, Exposition.CONTENT_TYPE, Exposition.render(metrics, census(false)), head);
                case "/" -> send(ex, 200, "text/html; charset=utf-8",
                        StatusPage.render(metrics, census(false), history.samples(), log.tail()), head);
                default -> send(ex, 404, "text/plain; charset=utf-8", "not found\n", head);
            }
        }
    }

    private static void send(HttpExchange ex, int code, String type, String body, boolean head) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
        if (head) {
            ex.sendResponseHeaders(code, -1);
            return;
        }
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        closed = true;
        LISTENING.remove(home);
        sampler.interrupt();
        http.stop(0);
        pool.shutdownNow();
    }
}
