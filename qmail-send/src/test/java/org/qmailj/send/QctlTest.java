package org.qmailj.send;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * qmail-qctl against a running qmail-send (in-process, {@link SendHarness}) while 200 messages
 * flow and some recipients defer: list and show, hold (never tried while others flow), release,
 * delete with and without bounce, retry now, expire; nothing lost (every message not deleted is
 * delivered exactly once); and a control channel that shrugs off garbage and idle clients.
 */
class QctlTest {
    @TempDir Path home;
    private final List<String> deferring = new ArrayList<>();

    @AfterEach
    void forget() {
        deferring.forEach(FakeSpawner.DEFERRING::remove);
    }

    private void defer(String address) {
        deferring.add(address);
        FakeSpawner.DEFERRING.add(address);
    }

    record Run(int code, String out, String err) {}

    private Run qctl(TestQueue tq, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = QmailQctl.run(args, tq.q, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static long tries(FakeSpawner s, String recipient) {
        synchronized (s.commands) {
            return s.commands.stream().filter(c -> c.recipient().equals(recipient)).count();
        }
    }

    /** Waits until message {@code id}'s delivery to {@code recipient} has been reported deferred. */
    private static void awaitDeferral(SendHarness h, long id, String recipient) {
        awaitDeferrals(h, id, recipient, 1);
    }

    /** Waits until message {@code id}'s delivery to {@code recipient} has been reported deferred {@code n} times. */
    private static void awaitDeferrals(SendHarness h, long id, String recipient, int n) {
        Pattern start = Pattern.compile("starting delivery (\\d+): msg " + id + " to (local|remote) " + Pattern.quote(recipient));
        h.await(n + " deferrals of msg " + id, () -> {
            String log = h.log();
            Matcher m = start.matcher(log);
            int seen = 0;
            while (m.find()) if (log.contains("\ndelivery " + m.group(1) + ": deferral: ")) seen++;
            return seen >= n;
        }, 30);
    }

    /** "recipient message-id" to how many times the spawner delivered it. */
    private static Map<String, Integer> deliveredCounts(SendHarness h) {
        Map<String, Integer> n = new HashMap<>();
        List<String> lines;
        try {
            lines = h.delivered();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (String line : lines) n.merge(line.split(" ")[0] + " " + line.split(" ")[1], 1, Integer::sum);
        return n;
    }

    @Test
    void actionsWhileMailFlows() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = new SendHarness(tq).start()) {
            // The messages the actions are about: each deferred once first (next try minutes away).
            String hr = "hold@remote.example", rr = "retry@remote.example", dr = "delb@remote.example",
                    nr = "deln@remote.example", er = "expire@remote.example";
            for (String r : List.of(hr, rr, dr, nr, er)) defer(r);
            long held = tq.inject("held@x", "s-held@remote.example", hr);
            long retried = tq.inject("retried@x", "s-retried@remote.example", rr);
            long deletedB = tq.inject("delb@x", "s-delb@remote.example", dr, "delb2@domain");
            long deletedN = tq.inject("deln@x", "s-deln@remote.example", nr);
            long expired = tq.inject("expired@x", "s-expired@remote.example", er);
            awaitDeferral(h, held, hr);
            awaitDeferral(h, retried, rr);
            awaitDeferral(h, deletedN, nr);
            awaitDeferral(h, expired, er);
            awaitDeferral(h, deletedB, dr);
            h.await("delb2 delivered", () -> deliveredCounts(h).containsKey("delb2@domain <delb@x>"), 30);
            FakeSpawner.DEFERRING.remove(hr);

            Run hold = qctl(tq, "hold", Long.toString(held));
            assertEquals(0, hold.code(), hold.err());
            assertEquals("ok " + held + " held\n", hold.out());
            assertTrue(Files.exists(tq.q.root().resolve("held").resolve(Long.toString(held))));

            // Retry everything now (qmail's ALRM): the held message is not tried, the others are (and defer again).
            Run all = qctl(tq, "retry", "--all");
            assertEquals("ok all\n", all.out());
            awaitDeferrals(h, retried, rr, 2);
            awaitDeferrals(h, deletedN, nr, 2);
            awaitDeferrals(h, expired, er, 2);
            awaitDeferrals(h, deletedB, dr, 2);
            FakeSpawner.DEFERRING.remove(rr);
            FakeSpawner.DEFERRING.remove(dr);
            FakeSpawner.DEFERRING.remove(nr);

            // Load: 200 messages, a few of them to an address that always defers.
            List<Long> flow = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String to = i % 20 == 0 ? "defer" + i + "@far.example" : (i % 2 == 0 ? "u" + i + "@remote.example" : "u" + i + "@domain");
                flow.add(tq.inject("flow" + i + "@x", "s@domain", to));
            }

            // list and show, text and JSON
            Run list = qctl(tq, "list", "--state", "held");
            assertTrue(list.out().startsWith(held + "  "), list.out());
            assertTrue(list.out().contains("held") && list.out().contains("<s-held@remote.example>") && list.out().endsWith("1 message\n"), list.out());
            Run json = qctl(tq, "list", "--json", "--domain", "remote.example", "--sender", "s-ret");
            assertTrue(json.out().startsWith("[\n{\"id\": " + retried + ", "), json.out());
            assertTrue(json.out().contains("\"sender\": \"s-retried@remote.example\", \"states\": [\"remote\"], \"held\": false, "
                    + "\"recipients\": [{\"channel\": \"remote\", \"address\": \"retry@remote.example\", \"done\": false, \"next_try\": "), json.out());
            assertTrue(json.out().endsWith("}\n]\n"), json.out());
            Run show = qctl(tq, "show", Long.toString(held));
            assertEquals(0, show.code(), show.err());
            assertTrue(show.out().startsWith("message " + held + "\n"), show.out());
            assertTrue(show.out().contains("state: remote,held\nsender: <s-held@remote.example>\nrecipient: remote <hold@remote.example> held\n"), show.out());
            assertTrue(show.out().contains("\nMessage-ID: <held@x>\nSubject: test\n") && !show.out().contains("body"), show.out());
            assertTrue(qctl(tq, "show", "--body", Long.toString(held)).out().endsWith("Subject: test\n\nbody\n"));
            Run showRetry = qctl(tq, "show", Long.toString(retried));
            assertTrue(Pattern.compile("recipient: remote <retry@remote.example> next try 20\\d\\d-").matcher(showRetry.out()).find(), showRetry.out());

            // retry now: delivered long before its next try (400 s after its birth)
            Run retry = qctl(tq, "retry", Long.toString(retried));
            assertEquals("ok " + retried + " due now\n", retry.out());
            h.await("retried delivered", () -> deliveredCounts(h).containsKey("retry@remote.example <retried@x>"), 30);

            // delete with bounce: the sender gets a bounce naming both recipients; neither gets the message
            Run delb = qctl(tq, "delete", "--bounce", Long.toString(deletedB));
            assertEquals("ok " + deletedB + " deleted 1 recipient, bounced\n", delb.out());
            // delb2@domain (local) was delivered already; only the remote one was pending
            h.awaitLog("end msg " + deletedB, 30);
            SendHarness.Injected bounce = bounceTo(h, "s-delb@remote.example");
            assertTrue(bounce.message().contains("<delb@remote.example>:\n" + QueueActions.DELETED), bounce.message());
            assertFalse(bounce.message().contains("<delb2@domain>:"), bounce.message());

            // delete without bounce: gone, no bounce
            Run deln = qctl(tq, "delete", Long.toString(deletedN));
            assertEquals("ok " + deletedN + " deleted 1 recipient\n", deln.out());
            h.awaitLog("end msg " + deletedN, 30);
            assertFalse(Files.exists(tq.q.info(deletedN)));

            // expire: the next try's temporary failure becomes a bounce
            Run exp = qctl(tq, "expire", Long.toString(expired));
            assertEquals("ok " + expired + " expired\n", exp.out());
            h.awaitLog("end msg " + expired, 30);
            SendHarness.Injected ebounce = bounceTo(h, "s-expired@remote.example");
            assertTrue(ebounce.message().contains("<expire@remote.example>:\nSorry, I couldn't find a mailbox. (#4.2.1)\n"
                    + "I'm not going to try again; this message has been in the queue too long.\n"), ebounce.message());

            // everything else flows, exactly once
            h.await("200 flowing messages delivered", () -> {
                Map<String, Integer> d = deliveredCounts(h);
                for (int i = 0; i < 200; i++) {
                    if (i % 20 != 0 && !d.containsKey((i % 2 == 0 ? "u" + i + "@remote.example" : "u" + i + "@domain") + " <flow" + i + "@x>")) return false;
                }
                return true;
            }, 60);
            // the held message still has not been tried again, while all the rest went by
            assertEquals(1, tries(h.remote, hr));
            assertTrue(Files.exists(tq.q.remote(held)));

            // release, then retry: delivered
            assertEquals("ok " + held + " released\n", qctl(tq, "release", "--state", "held").out());
            assertFalse(Files.exists(tq.q.root().resolve("held").resolve(Long.toString(held))));
            assertEquals("ok " + held + " due now\n", qctl(tq, "retry", Long.toString(held)).out());
            h.await("released delivered", () -> deliveredCounts(h).containsKey("hold@remote.example <held@x>"), 30);

            // deleted recipients were never delivered, nor tried again
            h.await("bounces delivered", () -> deliveredCounts(h).keySet().stream().filter(k -> k.startsWith("s-delb@") || k.startsWith("s-expired@")).count() == 2, 30);
            Map<String, Integer> d = deliveredCounts(h);
            assertFalse(d.containsKey("delb@remote.example <delb@x>"));
            assertFalse(d.containsKey("deln@remote.example <deln@x>"));
            assertEquals(2, tries(h.remote, dr));
            assertEquals(2, tries(h.remote, nr));
            assertFalse(h.injected.stream().anyMatch(i -> i.envelope().recipients().contains("s-deln@remote.example")));
            for (var e : d.entrySet()) assertEquals(1, e.getValue(), "delivered more than once: " + e.getKey());
            assertTrue(h.log().contains("qctl: hold msg " + held + "\n"), h.log());

            // with qmail-send stopped, list and show still read the queue; actions say why they cannot
            assertEquals(0, h.stop());
        }
        Run after = qctl(tq, "list", "--state", "remote");
        assertEquals(0, after.code(), after.err());
        Run noSend = qctl(tq, "hold", "123");
        assertEquals(111, noSend.code());
        assertTrue(noSend.err().startsWith("qmail-qctl: fatal: unable to talk to qmail-send"), noSend.err());
    }

    private static SendHarness.Injected bounceTo(SendHarness h, String sender) {
        h.await("a bounce to " + sender, () -> {
            synchronized (h.injected) {
                return h.injected.stream().anyMatch(i -> i.envelope().recipients().equals(List.of(sender)));
            }
        }, 30);
        synchronized (h.injected) {
            return h.injected.stream().filter(i -> i.envelope().recipients().equals(List.of(sender))).findFirst().orElseThrow();
        }
    }

    @Test
    void heldSurvivesARestart() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        String hr = "keep@remote.example";
        defer(hr);
        long id = tq.inject("keep@x", "s@domain", hr);
        try (SendHarness h = new SendHarness(tq).start()) {
            awaitDeferral(h, id, hr);
            assertEquals("ok " + id + " held\n", qctl(tq, "hold", Long.toString(id)).out());
            assertEquals("no " + id + " held; release it first\n", qctl(tq, "retry", Long.toString(id)).out());
            assertEquals(0, h.stop());
        }
        FakeSpawner.DEFERRING.remove(hr);
        assertTrue(qctl(tq, "list", "--state", "held").out().startsWith(id + "  "));
        assertEquals("0 messages\n", qctl(tq, "list", "--older-than", "1d").out());
        assertEquals("0 messages\n", qctl(tq, "list", "--larger-than", "10k").out());
        assertEquals("0 messages\n", qctl(tq, "list", "--state", "local", "--state", "todo").out());
        assertTrue(qctl(tq, "list", "--newer-than", "1h", "--smaller-than", "1k", "--recipient", "KEEP@").out().startsWith(id + "  "));
        assertEquals(100, qctl(tq, "list", "--state", "frozen").code());
        assertEquals(100, qctl(tq, "delete").code(), "no ids, no filter: refused");
        assertEquals(100, qctl(tq, "delete", "1", "--all").code());
        assertEquals(100, qctl(tq, "show", "1", "2").code());
        // A stale held/N (no info/N) is dropped at start.
        Path stale = tq.q.root().resolve("held").resolve("12345");
        Files.createFile(stale);
        // Next retries are written back at exit: make this one due now, as if its time had come.
        Files.setLastModifiedTime(tq.q.remote(id), java.nio.file.attribute.FileTime.fromMillis(0));
        try (SendHarness h = new SendHarness(tq).start()) {
            h.await("the control socket", () -> pings(ControlServer.socket(tq.q)), 20);
            assertFalse(Files.exists(stale));
            assertEquals("ok all\n", qctl(tq, "retry", "--all").out());
            tq.inject("other@x", "s@domain", "other@remote.example");
            h.await("other delivered", () -> deliveredCounts(h).containsKey("other@remote.example <other@x>"), 30);
            assertEquals(0, tries(h.remote, hr), "held message tried after the restart");
            assertEquals("ok " + id + " released\n", qctl(tq, "release", Long.toString(id)).out());
            h.await("released delivered", () -> deliveredCounts(h).containsKey(hr + " <keep@x>"), 30);
            assertEquals(0, h.stop());
        }
    }

    /** True once qmail-send answers on its control socket (the file exists a moment before it listens). */
    static boolean pings(Path socket) {
        try {
            return new ControlClient(socket).ask(new ControlRequest(ControlRequest.Verb.PING, List.of())).equals(List.of("ok pong"));
        } catch (IOException e) {
            return false;
        }
    }

    private static String exchange(Path socket, byte[] request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ByteBuffer b = ByteBuffer.wrap(request);
            while (b.hasRemaining()) ch.write(b);
            ch.shutdownOutput();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(4096);
            while (ch.read(in) >= 0) {
                out.write(in.array(), 0, in.position());
                in.clear();
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void garbageAndIdleClientsDoNotHurt() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = new SendHarness(tq).start()) {
            Path socket = ControlServer.socket(tq.q);
            h.await("the control socket", () -> pings(socket), 20);
            assertEquals("error bad request\n.\n", exchange(socket, "HOLD 1\n".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("error bad request\n.\n", exchange(socket, "hold 01\n".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("error bad request\n.\n", exchange(socket, "hold  1\n".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("error bad request\n.\n", exchange(socket, "hold 99999999999999999999\n".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("error bad request\n.\n", exchange(socket, "retryall 1\n".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("error bad request\n.\n", exchange(socket, new byte[] {'h', 'o', 0, 'l', (byte) 0xff, '\n'}));
            assertEquals("error request too long\n.\n", exchange(socket, new byte[100_000]));
            assertEquals("", exchange(socket, "hold 1".getBytes(StandardCharsets.US_ASCII))); // no newline: nothing
            StringBuilder many = new StringBuilder("hold");
            for (int i = 1; i <= ControlRequest.MAX_IDS + 1; i++) many.append(' ').append(i);
            assertEquals("error bad request\n.\n", exchange(socket, (many + "\n").getBytes(StandardCharsets.US_ASCII)));
            assertEquals("no 1 no such message\n.\n", exchange(socket, "hold 1\n".getBytes(StandardCharsets.US_ASCII)));

            // Clients that connect and say nothing: the 5th is turned away, mail still flows, and
            // the idle ones are dropped after the timeout.
            List<SocketChannel> idle = new ArrayList<>();
            try {
                for (int i = 0; i < ControlServer.CLIENTS; i++) idle.add(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
                h.await("busy", () -> {
                    try {
                        return exchange(socket, "ping\n".getBytes(StandardCharsets.US_ASCII)).equals("error busy\n.\n");
                    } catch (IOException e) {
                        return false;
                    }
                }, 20);
                tq.inject("during@x", "s@domain", "someone@domain");
                h.await("delivered while clients idle", () -> deliveredCounts(h).containsKey("someone@domain <during@x>"), 30);
                long t0 = System.nanoTime();
                ByteBuffer one = ByteBuffer.allocate(1);
                assertEquals(-1, idle.get(0).read(one));
                long waited = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(waited < ControlServer.TIMEOUT_MS + 5000, "dropped after " + waited + " ms");
            } finally {
                for (SocketChannel c : idle) c.close();
            }
            h.await("answers again", () -> {
                try {
                    return exchange(socket, "ping\n".getBytes(StandardCharsets.US_ASCII)).equals("ok pong\n.\n");
                } catch (IOException e) {
                    return false;
                }
            }, 20);
            assertEquals(0, h.stop());
            assertFalse(Files.exists(socket), "the socket goes when qmail-send exits");
        }
    }
}
