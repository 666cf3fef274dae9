package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.testing.DefaultSignals;

/**
 * The writer's disk calls in order, as strace sees them (one line per system call, in the
 * order the calls happened across all threads), while 4 clients inject at once: for every
 * message the writer acknowledged, before link(intd/N, todo/N) the message file and intd/N
 * were fsync'd, and so was mess/S by an fsync that started after mess/S/N was made (intd/ is
 * never synced: nothing reads the name intd/N after a crash); before the 'X' 0 answer, todo/ was fsync'd by an fsync that started after the
 * link. So a power loss at any moment leaves no todo/N whose message or envelope is not on
 * disk, and an acknowledged message is on disk whole. The fsyncs of one round may run on
 * other threads and be shared with other messages (group commit): the test does not care
 * who ran them, only when they started and ended.
 */
class CommitOrderTest {
    @TempDir Path dir;

    static final int CLIENTS = 4;
    static final int MESSAGES = 60;

    /** One system call: its name, its arguments as strace printed them, the lines of its start and end. */
    record Call(String name, String args, int start, int end, String result) {
        boolean ok() { return !result.isEmpty() && Character.isDigit(result.charAt(0)); }
    }

    @Test
    void everyAcknowledgedMessageIsOnDiskBeforeTodoAndBeforeTheAnswer() throws Exception {
        // Real paths: strace shows the kernel's names of descriptors.
        TestHome t = TestHome.sandbox(dir.toRealPath().resolve("home"));
        Path trace = dir.resolve("trace");
        List<String> cmd = new ArrayList<>(List.of("strace", "-f", "-qq", "-e", "signal=none", "-y", "-xx", "-o", trace.toString(),
                "-e", "trace=link,linkat,openat,fsync,fdatasync,write"));
        cmd.addAll(Jvm.command(System.getProperty("java.class.path"), t.home.root(), null, "org.qmailj.queue.QmailQueued"));
        Process strace = DefaultSignals.builder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Map<Long, Integer> acked = new ConcurrentHashMap<>();
        try {
            SocketQueueClient client = new SocketQueueClient(WriterProtocol.socket(t.queue), null, 60_000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!client.answers()) {
                assertThat(strace.isAlive()).as("strace and qmail-queued run").isTrue();
                assertThat(System.nanoTime()).as("qmail-queued answers").isLessThan(deadline);
                Thread.sleep(20);
            }
            AtomicInteger next = new AtomicInteger();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(Thread.ofPlatform().start(() -> {
                    for (int i = next.getAndIncrement(); i < MESSAGES; i = next.getAndIncrement()) {
                        try (QueueClient.Session s = client.open()) {
                            s.message().write(TestHome.bytes("Subject: order " + i + "\n\nbody " + i + "\n"));
                            QueueResult r = s.commit(new Envelope("me@x", List.of("you@y")));
                            if (r.ok()) acked.put(r.qp(), i);
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }
                }));
            }
            for (Thread c : clients) c.join(TimeUnit.MINUTES.toMillis(5));
        } finally {
            // SIGTERM to the writer (strace's child); strace ends with it.
            strace.toHandle().children().forEach(ProcessHandle::destroy);
            if (!strace.waitFor(60, TimeUnit.SECONDS)) {
                strace.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                strace.destroyForcibly();
                strace.waitFor(60, TimeUnit.SECONDS);
            }
        }
        assertThat(acked).as("every injection acknowledged").hasSize(MESSAGES);

        List<Call> calls = parse(Files.readAllLines(trace, StandardCharsets.ISO_8859_1));
        Path q = t.queue.root();
        String mess = q.resolve("mess") + "/", intd = q.resolve("intd").toString(), todo = q.resolve("todo").toString();
        List<Call> fsyncs = calls.stream().filter(c -> c.name().equals("fsync") || c.name().equals("fdatasync")).toList();
        Map<Long, Long> answered = answers(calls);
        int todoSyncs = 0;
        for (Call f : fsyncs) if (fdPath(f).equals(todo)) todoSyncs++;
        assertThat(fsyncs).as("no fsync of intd/: it costs a disk flush and protects nothing")
                .noneMatch(f -> fdPath(f).equals(intd));
        System.out.println("CommitOrderTest: " + MESSAGES + " messages, " + fsyncs.size() + " fsyncs, " + todoSyncs + " of todo/");

        for (var e : acked.entrySet()) {
            long n = e.getKey();
            String s = mess + QueueLayout.split(n);
            Call messLink = only(calls, c -> isLink(c) && c.args().endsWith(", \"" + s + "/" + n + "\""), "link to mess/S/" + n);
            String pidName = messLink.args().substring(1, messLink.args().indexOf('"', 1));
            Call intdMade = only(calls, c -> c.name().equals("openat") && c.args().contains("\"" + intd + "/" + n + "\"")
                    && c.args().contains("O_CREAT"), "creation of intd/" + n);
            Call commit = only(calls, c -> isLink(c) && c.args().endsWith(", \"" + todo + "/" + n + "\""), "link to todo/" + n);
            assertThat(commit.ok()).isTrue();
            String what = "message " + n + " (" + e.getValue() + ")";
            assertThat(synced(fsyncs, p -> p.equals(pidName) || p.equals(s + "/" + n), -1, commit.start()))
                    .as("%s: mess/S/N fsync'd before the link to todo/", what).isTrue();
            assertThat(synced(fsyncs, p -> p.equals(intd + "/" + n), -1, commit.start()))
                    .as("%s: intd/N fsync'd before the link to todo/", what).isTrue();
            assertThat(synced(fsyncs, p -> p.equals(s), messLink.end(), commit.start()))
                    .as("%s: mess/S fsync'd after mess/S/N was linked, before the link to todo/", what).isTrue();
            assertThat(intdMade.ok()).as("%s: intd/N made", what).isTrue();
            assertThat(answered).as("%s: the writer's 'X' 0", what).containsKey(n);
            assertThat(synced(fsyncs, p -> p.equals(todo), commit.end(), answered.get(n).intValue()))
                    .as("%s: todo/ fsync'd after the link, before the answer", what).isTrue();
        }

        // The queue at rest: every acknowledged message whole, nothing in todo/ without its files.
        assertThat(t.todo()).containsExactlyInAnyOrderElementsOf(acked.keySet());
        for (var e : acked.entrySet()) {
            long n = e.getKey();
            assertThat(TestHome.str(t.mess(n))).endsWith("\nbody " + e.getValue() + "\n");
            assertThat(Files.readAllBytes(t.queue.intd(n))).isEqualTo(Files.readAllBytes(t.queue.todo(n)));
        }
    }

    /** link(2), as the JDK's Files.createLink calls it: {@code "FROM", "TO"}. */
    private static boolean isLink(Call c) {
        return c.name().equals("link");
    }

    /** A successful fsync of a path {@code which} accepts that started after line {@code after} and ended before line {@code before}. */
    private static boolean synced(List<Call> fsyncs, Predicate<String> which, int after, int before) {
        for (Call f : fsyncs) {
            if (f.start() > after && f.end() < before && f.ok() && which.test(fdPath(f))) return true;
        }
        return false;
    }

    private static Call only(List<Call> calls, Predicate<Call> p, String what) {
        List<Call> found = calls.stream().filter(p).toList();
        assertThat(found).as(what).hasSize(1);
        return found.getFirst();
    }

    private static final Pattern FD = Pattern.compile("^\\d+<([^>]*)>");

    /** The path behind a call's first argument, a descriptor (strace -y). */
    private static String fdPath(Call c) {
        Matcher m = FD.matcher(c.args());
        return m.find() ? m.group(1) : "";
    }

    private static final Pattern ANSWER = Pattern.compile("^(\\d+)<([^>]*)>, \"((?:\\\\x[0-9a-f]{2})*)\"");

    /**
     * Message number to the line of its 'X' 0 answer (or 'Y', the same on a kept connection): a 'P' N (or
     * 'S' N stamp) on a socket names the message the next answer on that socket is about. The payloads are still in strace's hex.
     */
    private static Map<Long, Long> answers(List<Call> calls) {
        Map<String, Long> told = new HashMap<>();
        Map<Long, Long> out = new HashMap<>();
        for (Call c : calls) {
            if (!c.name().equals("write")) continue;
            Matcher m = ANSWER.matcher(c.args());
            if (!m.find()) continue;
            String fd = decode(m.group(2));
            if (!fd.startsWith("socket:")) continue;
            byte[] b = unhex(m.group(3));
            if ((b.length == 9 && b[0] == WriterProtocol.PREPARED) || (b.length == 17 && b[0] == WriterProtocol.PREPARED_STAMPED)) {
                long n = 0;
                for (int i = 1; i < 9; i++) n = n << 8 | (b[i] & 0xff);
                told.put(fd, n);
            } else if (((b.length == 2 && b[0] == WriterProtocol.FINAL && b[1] == 0) || (b.length == 1 && b[0] == WriterProtocol.KEPT))
                    && told.containsKey(fd)) {
                out.putIfAbsent(told.remove(fd), (long) c.start());
            }
        }
        return out;
    }

    /** strace pads the pid to a width: "1732  fsync(...". */
    private static final Pattern LINE = Pattern.compile("^(\\d+)\\s+(.*)$");
    private static final Pattern RESUMED = Pattern.compile("^<\\.\\.\\. (\\w+) resumed>(.*)$");
    /** The arguments, then the result: the last ") = " of the line (strace pads before the "="). */
    private static final Pattern ENDED = Pattern.compile("^(.*)\\)\\s+=\\s+(.*)$");
    private static final String UNFINISHED = " <unfinished ...>";
    private static final Pattern HEX_RUN = Pattern.compile("(?:\\\\x[0-9a-f]{2})+");

    /**
     * strace -f -y -xx output: a call interrupted by another thread's is printed in two
     * lines ("unfinished", "resumed"), joined here. Paths (in quotes and behind descriptors)
     * are decoded; a write's payload stays in hex.
     */
    static List<Call> parse(List<String> lines) {
        List<Call> out = new ArrayList<>();
        Map<String, Call> pending = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher l = LINE.matcher(lines.get(i));
            if (!l.matches()) continue;
            String pid = l.group(1), rest = l.group(2);
            Matcher r = RESUMED.matcher(rest);
            if (r.matches()) {
                Call started = pending.remove(pid);
                Matcher e = ENDED.matcher(r.group(2));
                if (started != null) out.add(new Call(started.name(), started.args(), started.start(), i, e.matches() ? e.group(2) : ""));
                continue;
            }
            int paren = rest.indexOf('(');
            if (paren < 0) continue;
            String name = rest.substring(0, paren);
            String args = rest.substring(paren + 1);
            if (!name.equals("write")) args = decode(args);
            if (args.endsWith(UNFINISHED)) {
                pending.put(pid, new Call(name, args.substring(0, args.length() - UNFINISHED.length()), i, -1, ""));
            } else {
                Matcher e = ENDED.matcher(args);
                if (e.matches()) out.add(new Call(name, e.group(1), i, i, e.group(2)));
            }
        }
        return out;
    }

    private static String decode(String s) {
        return HEX_RUN.matcher(s).replaceAll(m -> Matcher.quoteReplacement(new String(unhex(m.group()), StandardCharsets.ISO_8859_1)));
    }

    private static byte[] unhex(String s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i + 4 <= s.length(); i += 4) b.write(Integer.parseInt(s.substring(i + 2, i + 4), 16));
        return b.toByteArray();
    }

}
