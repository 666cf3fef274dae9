package org.qmailj.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A daemon's /metrics read by tests, and the TCP sockets a process listens on. */
public final class Scrape {
    private Scrape() { }

    public record Response(int status, String body) { }

    public static Response get(InetSocketAddress a, String path, String method) throws IOException, InterruptedException {
        try (HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpRequest r = HttpRequest.newBuilder(URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + path))
                    .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<String> res = c.send(r, HttpResponse.BodyHandlers.ofString());
            return new Response(res.statusCode(), res.body());
        }
    }

    /** Every sample of /metrics without a label or with labels as written ({@code name{a="b"}}) to its value. */
    public static Map<String, Double> metrics(InetSocketAddress a) throws IOException, InterruptedException {
        Response r = get(a, "/metrics", "GET");
        if (r.status() != 200) throw new IOException("/metrics answered " + r.status());
        Map<String, Double> m = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            int sp = line.lastIndexOf(' ');
            m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
        }
        return m;
    }

    /** The TCP sockets process {@code pid} listens on (inodes of its socket fds in state LISTEN). */
    public static Set<String> listening(long pid) throws IOException {
        Set<String> mine = new HashSet<>();
        try (var fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds) {
                try {
                    String t = Files.readSymbolicLink(fd).toString();
                    if (t.startsWith("socket:[")) mine.add(t.substring(8, t.length() - 1));
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        Set<String> out = new HashSet<>();
        for (String f : List.of("/proc/" + pid + "/net/tcp", "/proc/" + pid + "/net/tcp6")) {
            if (!Files.exists(Path.of(f))) continue;
            for (String line : Files.readAllLines(Path.of(f))) {
                String[] c = line.trim().split("\\s+");
                if (c.length > 9 && c[3].equals("0A") && mine.contains(c[9])) out.add(c[1]);
            }
        }
        return out;
    }
}
