package org.qmailj.common.metrics;

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
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.qmailj.common.QmailHome;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.log.QmailLog;

/**
 * A daemon's /metrics (and qmail-send's status page): the JDK's HTTP server on its own
 * threads, apart from the daemon's work; the pages only read adders. A hostile or slow client
 * is bounded: {@link #THREADS} handler threads and a queue of {@link #QUEUED} (beyond that the
 * connection is closed), at most {@link #MAX_CONNECTIONS} connections,
 * {@link #MAX_REQUEST_SECONDS} to send a request, GET and HEAD only (405 else), the paths
 * given only (404 else), no request body read, responses of bounded size.
 */
public final class MetricsServer implements AutoCloseable {
    public static final int THREADS = 2;
    public static final int QUEUED = 8;
    public static final int MAX_CONNECTIONS = 16;
    public static final int MAX_REQUEST_SECONDS = 5;

    /** Where the server of each control file (home/control/NAME) listens: tests bind port 0 and read the port here. */
    public static final Map<Path, InetSocketAddress> LISTENING = new ConcurrentHashMap<>();

    /** A response body and its type. */
    public record Page(String contentType, String body) {
        public static Page metrics(String body) {
            return new Page(Exposition.CONTENT_TYPE, body);
        }
    }

    private final HttpServer http;
    private final ThreadPoolExecutor pool;
    private final Map<String, Supplier<Page>> pages;
    private final Path key;

    /**
     * Starts a server if {@code override} (an environment variable's value, empty: off) or,
     * without one, control/{@code file} names an address; a bad or busy one is reported to
     * {@code warn} and skipped, since monitoring must not stop mail.
     */
    public static Optional<MetricsServer> start(QmailHome home, String file, Optional<String> override, String name,
            Map<String, Supplier<Page>> pages, Consumer<String> warn) {
        Optional<String> addr;
        String source = override.isPresent() ? "STATUSADDR" : "control/" + file;
        if (override.isPresent()) {
            addr = override;
        } else {
            try {
                addr = home.control().line(file);
            } catch (ControlException e) {
                warn.accept("unable to read control/" + file + "; no metrics");
                return Optional.empty();
            }
        }
        if (addr.isEmpty() || addr.get().isBlank()) return Optional.empty();
        InetSocketAddress sa;
        try {
            sa = parse(addr.get().trim());
        } catch (IllegalArgumentException | IOException e) {
            warn.accept("bad " + source + " " + QmailLog.safe(addr.get()) + "; no metrics");
            return Optional.empty();
        }
        try {
            return Optional.of(new MetricsServer(home.root().resolve("control").resolve(file), sa, name, pages));
        } catch (IOException e) {
            warn.accept("unable to listen on " + QmailLog.safe(addr.get()) + " for metrics; no metrics");
            return Optional.empty();
        }
    }

    /** {@code host:port}, {@code [v6]:port}; port 0 takes any free port ({@link #address()}). */
    public static InetSocketAddress parse(String s) throws IOException {
        int colon = s.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("no port");
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = Integer.parseInt(s.substring(colon + 1));
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port");
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    private MetricsServer(Path key, InetSocketAddress sa, String name, Map<String, Supplier<Page>> pages) throws IOException {
        this.key = key;
        this.pages = Map.copyOf(pages);
        limits();
        AtomicInteger n = new AtomicInteger();
        pool = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED),
                r -> {
                    Thread t = new Thread(r, name + "-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy()); // the server closes a connection it cannot hand over
        http = HttpServer.create(sa, 16);
        http.setExecutor(pool);
        http.createContext("/", this::handle);
        http.start();
        LISTENING.put(key, address());
    }

    /** The address bound (the port chosen when the control file said 0). */
    public InetSocketAddress address() {
        return http.getAddress();
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

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            boolean head = method.equals("HEAD");
            if (!head && !method.equals("GET")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, new Page("text/plain; charset=utf-8", "method not allowed\n"), false);
                return;
            }
            Supplier<Page> page = pages.get(ex.getRequestURI().getRawPath());
            if (page == null) send(ex, 404, new Page("text/plain; charset=utf-8", "not found\n"), head);
            else send(ex, 200, page.get(), head);
        }
    }

    private static void send(HttpExchange ex, int code, Page page, boolean head) throws IOException {
        byte[] bytes = page.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", page.contentType());
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
        LISTENING.remove(key, address());
        http.stop(0);
        pool.shutdownNow();
    }
}
