package org.qmailj.send;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The benchmark bench/send.sh runs (not a test). Mode {@code drain N}: start the delivery
 * side (real qmail-start, qmail-send, qmail-clean; fake spawners that record deliveries),
 * inject N messages as fast as one thread writes the on-disk queue format, and print
 * injections/s, deliveries/s, the time to drain, the todo backlog and qmail-send's RSS each
 * second. Mode {@code startup N}: queue N preprocessed messages with qmail-send stopped,
 * start it, print the time to the first delivery and qmail-send's heap then.
 */
public final class SendBench {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int n = Integer.parseInt(args[1]);
        Path home = Files.createTempDirectory("sendbench");
        TestQueue tq = new TestQueue(home, "bench.example");
        tq.control("concurrencylocal", "50");
        // -Dbench.status=PORT: the status page on, scraped (/metrics and /) every second
        String status = System.getProperty("bench.status");
        if (status != null) tq.control("statusaddr", "127.0.0.1:" + status);
        try {
            if (mode.equals("drain")) drain(tq, n);
            else startup(tq, n);
        } finally {
            try (Stream<Path> s = Files.walk(home)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Runtime.getRuntime().halt(0);
    }

    private static void drain(TestQueue tq, int n) throws Exception {
        ProcessHarness h = new ProcessHarness(tq).start();
        h.await("start", () -> h.logLines().contains("status: local 0/50 remote 0/20"), 120);
        long t0 = System.nanoTime();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> sample(tq, h, t0));
        String status = System.getProperty("bench.status");
        if (status != null) Thread.ofPlatform().daemon().start(() -> scrape(Integer.parseInt(status)));
        for (int i = 0; i < n; i++) tq.inject("bench-" + i + "@x", "s@bench.example", "user");
        double injectSec = (System.nanoTime() - t0) / 1e9;
        System.out.printf("injected %d messages in %.2f s: %.0f injections/s%n", n, injectSec, n / injectSec);
        h.await("drain", () -> count(h) >= n && todo(tq) == 0, 3600);
        double drainSec = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(300);
        sampler.interrupt();
        System.out.printf("delivered %d in %.2f s from the first injection: %.0f deliveries/s; time to drain %.2f s%n",
                n, drainSec, n / drainSec, drainSec);
        System.out.printf("qmail-send RSS at the end: %s%n", rss(h.sendPid()));
        System.out.printf("qmail-send CPU (user+system) for the run: %.2f s; by thread: %s%n", cpu(h.sendPid()), threads(h.sendPid()));
        h.signal(org.qmailj.common.sys.Proc.SIGTERM);
        h.waitExit(120);
    }

    /** utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat). */
    static double cpu(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    /** CPU seconds by thread name (/proc/PID/task/TID/comm), the busiest first. */
    static String threads(long pid) throws java.io.IOException {
        java.util.Map<String, Double> by = new java.util.TreeMap<>();
        try (var tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks) {
                try {
                    String name = Files.readString(t.resolve("comm")).strip();
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    by.merge(name.replaceAll("[0-9]+$", "N"), (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0, Double::sum);
                } catch (java.io.IOException e) {
                    // the thread ended
                }
            }
        }
        StringBuilder b = new StringBuilder();
        by.entrySet().stream().sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed()).limit(8)
                .forEach(e -> b.append(String.format("%s %.2f, ", e.getKey(), e.getValue())));
        return b.toString();
    }

    private static void scrape(int port) {
        var client = java.net.http.HttpClient.newHttpClient();
        try {
            while (true) {
                for (String path : new String[] {"/metrics", "/"}) {
                    try {
                        var r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path)).build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) System.out.println("scrape " + path + ": " + r.statusCode());
                    } catch (java.io.IOException e) {
                        // not up yet
                    }
                }
                Thread.sleep(1000);
            }
        } catch (InterruptedException e) {
            // done
        }
    }

    private static void sample(TestQueue tq, ProcessHarness h, long t0) {
        try {
            while (true) {
                Thread.sleep(1000);
                System.out.printf("t=%5.1fs todo backlog %6d delivered %6d qmail-send RSS %s%n",
                        (System.nanoTime() - t0) / 1e9, todo(tq), count(h), rss(h.sendPid()));
            }
        } catch (InterruptedException e) {
            // done
        }
    }

    private static void startup(TestQueue tq, int n) throws Exception {
        // State S5 written directly: mess, info, local; no todo.
        for (int i = 0; i < n; i++) {
            long id = tq.inject("s5-" + i + "@x", "s@bench.example", "user");
            Files.delete(tq.q.todo(id));
            Files.delete(tq.q.intd(id));
            Files.write(tq.q.info(id), TestQueue.b("Fs@bench.example\0"));
            Files.write(tq.q.local(id), TestQueue.b("Tuser@bench.example\0"));
        }
        System.out.printf("queued %d preprocessed messages%n", n);
        long t0 = System.nanoTime();
        ProcessHarness h = new ProcessHarness(tq).start();
        h.await("first delivery", () -> h.logLines().stream().anyMatch(l -> l.startsWith("starting delivery 1:")), 3600);
        double sec = (System.nanoTime() - t0) / 1e9;
        String heap = heap(h.sendPid());
        System.out.printf("start-up to the first delivery with %d messages queued: %.2f s (JVM starts included)%n", n, sec);
        System.out.printf("qmail-send then: RSS %s; heap: %s%n", rss(h.sendPid()), heap);
        h.kill9();
        h.waitExit(60);
    }

    private static int count(ProcessHarness h) {
        try {
            return h.delivered().size();
        } catch (IOException e) {
            return -1;
        }
    }

    private static int todo(TestQueue tq) {
        try (Stream<Path> s = Files.list(tq.q.dir("todo"))) {
            return (int) s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    static String rss(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) return l.substring(6).trim();
            }
        } catch (IOException e) {
            // gone
        }
        return "?";
    }

    private static String heap(long pid) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
        p.waitFor();
        // Serial GC: one line per generation, "total NK, used MK".
        long used = 0;
        for (String l : lines) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K").matcher(l);
            if (m.find()) used += Long.parseLong(m.group(1));
        }
        return used > 0 ? used + " kB used (all generations)" : String.join(" | ", lines);
    }
}
