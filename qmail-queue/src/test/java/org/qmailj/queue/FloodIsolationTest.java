package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.str;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * Finding 4 of the hostile review: one unprivileged uid opens 12,000 connections to
 * qmail-queue.sock, each holding half a message, and injects one message of 1,000,000
 * recipients, against qmail-queued as a real child JVM at -Xmx128m (as root, so it becomes
 * qmailq). Meanwhile root's bin/qmail-queue, root's qmail-inject (in-process) and
 * qmail-smtpd's client as qmaild (a child JVM as uid 1) still queue; the
 * flood gets exit 71 for every connection over its budget; the writer's descriptors and RSS
 * (sampled from /proc) stay bounded; the million-recipient message is queued whole.
 */
@RootOnly
class FloodIsolationTest {
    @TempDir Path dir;

    static final int FLOOD_UID = 4321;
    static final int CONNECTIONS = 12_000;
    static final int RECIPIENTS = 1_000_000;
    static final long RSS_LIMIT_KB = 400 * 1024;

    @Test
    void oneUsersFloodStopsNobodyElse() throws Exception {
        TestHome t = WriterDaemonTest.systemHome(dir.resolve("q"));
        String cp = Jvm.publicClasspath(dir.resolve("cp"));
        Path err = dir.resolve("qmail-queued.err");
        Process d = WriterDaemonTest.startDaemon(cp, t, Map.of(), List.of("-Xmx128m"), ProcessBuilder.Redirect.to(err.toFile()));
        AtomicLong maxRss = new AtomicLong();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (d.isAlive()) {
                maxRss.accumulateAndGet(rssKb(d.pid()), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        // The flood holds 12,000 sockets: its descriptor limit is raised (as root) before it
        // becomes uid 4321.
        List<String> floodCmd = new java.util.ArrayList<>(List.of("prlimit", "--nofile=16384:16384", "--"));
        floodCmd.addAll(Jvm.command(cp, t.home.root(), FLOOD_UID, List.of("-XX:TieredStopAtLevel=1"),
                "org.qmailj.queue.FloodClient", WriterProtocol.socket(t.queue).toString(),
                Integer.toString(CONNECTIONS), Integer.toString(RECIPIENTS)));
        Process flood = new ProcessBuilder(floodCmd).redirectError(dir.resolve("flood.err").toFile()).start();
        try {
            BufferedReader floodOut = new BufferedReader(new InputStreamReader(flood.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(floodOut.readLine()).as("the flood's connections").isEqualTo("holding " + CONNECTIONS + " connectFailed 0");
            long fds = openFiles(d.pid());

            // While the flood holds its connections: root's bin/qmail-queue, and qmail-smtpd's
            // client as qmaild.
            Cmd.Result root = WriterDaemonTest.inject(cp, t, null, "from root\n", "Froot@x\0Tr@y\0\0");
            assertThat(root.exit()).as("root's injection").isZero();
            t.control("me", "flood.example\n");
            java.io.ByteArrayOutputStream injectErr = new java.io.ByteArrayOutputStream();
            int inject = QmailInject.run(new String[] {"-f", "root@flood.example", "r@y"}, t.home, Map.of(),
                    new java.io.ByteArrayInputStream(TestHome.bytes("Subject: i\n\nfrom qmail-inject\n")), new java.io.ByteArrayOutputStream(),
                    new java.io.PrintStream(injectErr), org.qmailj.common.queue.QueueClients.standard(t.home, Map.of()),
                    java.time.Clock.systemUTC());
            assertThat(inject).as("root's qmail-inject: " + injectErr).isZero();
            Cmd.Result smtpd = Cmd.run(Jvm.command(cp, t.home.root(), WriterDaemonTest.DAEMON, "org.qmailj.queue.RoleInject",
                    "qmaild", "smtp@x", "r@y", "from smtp\n"), Map.of(), null, new byte[0], 60);
            assertThat(str(smtpd.stdout())).as("qmaild's injection").isEqualTo("exit 0 \n");

            OutputStream floodIn = flood.getOutputStream();
            floodIn.write("check\n".getBytes(StandardCharsets.US_ASCII));
            floodIn.flush();
            String counts = floodOut.readLine();
            assertThat(counts).isNotNull();
            int refused = count(counts, "refused");
            int held = count(counts, "held");
            int perUid = WriterSettings.forOpenFiles(openFileLimit()).perUid();
            assertThat(held).as(counts).isBetween(1, perUid);
            assertThat(refused).as(counts).isEqualTo(CONNECTIONS - held);
            assertThat(count(counts, "other")).as(counts).isZero();
            assertThat(floodOut.readLine()).as("the million-recipient injection").isEqualTo("big 0");
            assertThat(flood.waitFor(60, TimeUnit.SECONDS)).isTrue();

            // At most: the JVM's own (~40, jars included), 64 triage permits, and per held
            // connection its socket and mess file (64 x 2), the big one's intd too: ~240.
            assertThat(fds).as("writer descriptors while flooded").isLessThan(350);
            assertThat(d.isAlive()).isTrue();
            System.out.println("flood test: writer peak RSS " + maxRss.get() / 1024 + " MB, " + fds
                    + " descriptors while flooded; flood held " + held + ", refused " + refused);
        } finally {
            flood.destroyForcibly();
            flood.waitFor(10, TimeUnit.SECONDS);
            d.destroy();
            d.waitFor(10, TimeUnit.SECONDS);
            sampler.join(10_000);
        }
        assertThat(maxRss.get()).as("writer's peak RSS, KB").isGreaterThan(0).isLessThan(RSS_LIMIT_KB);
        assertThat(Files.readString(err)).contains("refusing connections over budget").contains("uid " + FLOOD_UID);

        List<Long> todo = t.todo();
        assertThat(todo).hasSize(4);
        int seen = 0;
        for (long n : todo) {
            byte[] rec = Files.readAllBytes(t.queue.todo(n));
            String head = str(java.util.Arrays.copyOf(rec, Math.min(rec.length, 64)));
            String mess = str(t.mess(n));
            if (head.startsWith("u" + FLOOD_UID + "\0")) {
                // p: the qp, the message number (the client named none; its stated pid 1 is in Received)
                assertThat(head).startsWith("u" + FLOOD_UID + "\0p" + n + "\0Fflood@example.org\0Trcpt0@example.org\0");
                long records = 0;
                for (byte b : rec) if (b == 0) records++;
                assertThat(records).isEqualTo(3 + RECIPIENTS);
                assertThat(str(rec)).endsWith("\0Trcpt" + (RECIPIENTS - 1) + "@example.org\0");
                seen |= 1;
            } else if (head.startsWith("u0\0") && mess.endsWith("from root\n")) {
                assertThat(mess).contains("invoked by uid 0");
                seen |= 2;
            } else if (head.startsWith("u0\0")) {
                assertThat(mess).contains("invoked by uid 0").endsWith("from qmail-inject\n");
                seen |= 8;
            } else {
                assertThat(head).startsWith("u" + WriterDaemonTest.DAEMON + "\0");
                assertThat(mess).contains("invoked from network").endsWith("from smtp\n");
                seen |= 4;
            }
        }
        assertThat(seen).isEqualTo(15);
        assertThat(t.files("pid")).isEmpty();
        assertThat(t.files("intd")).hasSize(4);
    }

    private static int count(String line, String name) {
        for (String w : line.split(" ")) if (w.startsWith(name + "=")) return Integer.parseInt(w.substring(name.length() + 1));
        throw new AssertionError(name + " missing in " + line);
    }

    static long rssKb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (Exception e) {
            // exited
        }
        return 0;
    }

    static long openFiles(long pid) throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return s.count();
        }
    }

    /** The writer's descriptor limit: the JVM raises its soft limit to the hard one, which it inherits from us. */
    static long openFileLimit() throws Exception {
        return org.qmailj.common.sys.Rlimit.get(org.qmailj.common.sys.Rlimit.RLIMIT_NOFILE).hard();
    }
}
