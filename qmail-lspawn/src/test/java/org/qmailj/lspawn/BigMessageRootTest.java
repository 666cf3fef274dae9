package org.qmailj.lspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * A message above 2 GiB through qmail-lspawn (root, -Xmx64m) and the user's worker (its own
 * -Xmx64m): one .qmail with a Maildir, an mbox and a program line, so the message is read
 * three times from its start. Every byte is checked (size and CRC-32, the mbox's {@code >From}
 * quoting included), and the resident memory of qmail-lspawn and of the worker, sampled from
 * /proc all along, stays under 256 MiB: messages are streamed, never held.
 */
@RootOnly
@EnabledIfSystemProperty(named = "qmail.test.big", matches = "true",
        disabledReason = "writes 6 GiB: 46 to 135 s on the shared 2-core box; run with -Dqmail.test.big=true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BigMessageRootTest {
    static final int QMAILQ = 4;
    static final int BLOCK = 1 << 20;
    static final int BLOCKS = 2049; // 2 GiB + 1 MiB: offsets past 2^31
    static final long RSS_LIMIT = 256L << 20;
    Path base;
    Path qhome;
    TestUsers.User u;

    @BeforeAll
    void setUp() throws IOException {
        base = Files.createTempDirectory("qlsbig");
        Files.setAttribute(base, "unix:mode", 0755);
        qhome = Files.createDirectories(base.resolve("qmail"));
        Files.createDirectories(qhome.resolve("queue/mess/3"));
        Files.setAttribute(qhome.resolve("queue"), "unix:mode", 0700);
        Files.createDirectories(qhome.resolve("users"));
        Files.createDirectories(qhome.resolve("control"));
        Files.createDirectories(qhome.resolve("lib"));
        u = TestUsers.add("qlsbig", base.resolve("home/qlsbig"));
        Files.writeString(qhome.resolve("lib/ids"), "alias:" + u.uid() + ":" + u.gid() + "\nqmaild:1:1\nqmaill:2:2\nroot:0:0\n"
                + "qmailp:3:3\nqmailq:" + QMAILQ + ":4\nqmailr:5:5\nqmails:6:6\nnofiles:7\nqmail:8\n");
    }

    @AfterAll
    void tearDown() throws IOException {
        TestUsers.remove("qlsbig");
        Cmd.run(List.of("rm", "-rf", base.toString()));
    }

    static final String HEAD = "Return-Path: <s@x.org>\nDelivered-To: qlsbig@example.com\n";

    /**
     * What the test knows of the message it wrote: its size, the CRC-32 a Maildir copy must
     * have (HEAD, the message) and an mbox copy after its From_ line (HEAD, the message
     * quoted, a blank line).
     */
    record Written(long size, long maildirCrc, long mboxCrc) {
    }

    /**
     * "Subject: big" and a blank line, then BLOCKS blocks of 1 MiB of 64-byte text lines; the
     * first line of each block is "From block N", which an mbox must write as ">From block N".
     */
    static Written writeMessage(Path f) throws IOException {
        byte[] block = new byte[BLOCK];
        for (int i = 0; i < BLOCK; i += 64) {
            for (int k = 0; k < 63; k++) block[i + k] = (byte) ('a' + (i / 64 + k) % 26);
            block[i + 63] = '\n';
        }
        CRC32 crc = new CRC32();
        CRC32 quoted = new CRC32();
        crc.update(HEAD.getBytes(StandardCharsets.ISO_8859_1));
        quoted.update(HEAD.getBytes(StandardCharsets.ISO_8859_1));
        long size = 0;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] head = "Subject: big\n\n".getBytes(StandardCharsets.ISO_8859_1);
            size += write(ch, head, crc, quoted);
            for (int b = 0; b < BLOCKS; b++) {
                byte[] first = String.format("From block %08d ", b).getBytes(StandardCharsets.ISO_8859_1);
                System.arraycopy(first, 0, block, 0, first.length);
                quoted.update('>');
                size += write(ch, block, crc, quoted);
            }
        }
        quoted.update('\n');
        return new Written(size, crc.getValue(), quoted.getValue());
    }

    private static int write(FileChannel ch, byte[] b, CRC32 crc, CRC32 quoted) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) ch.write(buf);
        crc.update(b);
        quoted.update(b);
        return b.length;
    }

    /** Size and CRC-32 of a file from {@code skip} on. */
    static long[] sizeAndCrc(Path f, long skip) throws IOException {
        CRC32 crc = new CRC32();
        long n = 0;
        try (InputStream in = Files.newInputStream(f)) {
            in.skipNBytes(skip);
            byte[] buf = new byte[BLOCK];
            int k;
            while ((k = in.read(buf)) > 0) {
                crc.update(buf, 0, k);
                n += k;
            }
        }
        return new long[] {n, crc.getValue()};
    }

    /**
     * Peak VmRSS of qmail-lspawn and of every process below it, sampled until closed. Keyed by
     * pid and the command line at the time of the sample: a child between posix_spawn and exec
     * still shows its parent's.
     */
    static final class RssSampler implements AutoCloseable {
        record Seen(long pid, String cmdline) {
        }

        final Map<Seen, Long> peak = new ConcurrentHashMap<>();
        private final Thread thread;
        private volatile boolean stop;

        RssSampler(long root) {
            thread = Thread.ofPlatform().daemon().name("rss").start(() -> {
                while (!stop) {
                    sample(root);
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        private void sample(long pid) {
            try {
                String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")),
                        StandardCharsets.ISO_8859_1).replace('\0', ' ');
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                        peak.merge(new Seen(pid, cmdline), kb * 1024, Math::max);
                    }
                }
                // Children hang off the thread that started them: every task's list.
                try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                    for (Path t : tasks.toList()) {
                        String children = Files.readString(t.resolve("children")).trim();
                        if (!children.isEmpty()) for (String c : children.split(" ")) sample(Long.parseLong(c));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the process ended between two reads
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join();
        }
    }

    @Test
    void aMessageAbove2GiBReachesAMaildirAnMboxAndAProgramInBoundedMemory() throws Exception {
        Path md = TestUsers.maildir(u, "Maildir");
        TestUsers.file(u, ".qmail", "./Maildir/\n./mbox\n|wc -c > count\n", 0644);
        Path msg = qhome.resolve("queue/mess/3/2049");
        Written w = writeMessage(msg);
        Files.setAttribute(msg, "unix:uid", QMAILQ);
        Files.setAttribute(msg, "unix:mode", 0600);
        assertThat(w.size()).isGreaterThan(1L << 31);

        long start = System.nanoTime();
        RssSampler rss;
        String report;
        // -Dqmail.test.heap=8m runs both JVMs with a smaller heap still (passes at 8m).
        String heap = System.getProperty("qmail.test.heap", "64m");
        List<String> jvm = heap.equals("64m") ? List.of("-Xmx64m")
                : List.of("-Xmx" + heap, "-Dqmail.worker.jvm=-Xmx" + heap);
        try (Lspawn l = new Lspawn(qhome, Map.of(), "./Mailbox", jvm, null, List.of())) {
            rss = new RssSampler(l.p.pid());
            try (rss) {
                report = l.deliver("3/2049", "s@x.org", "qlsbig@example.com");
            }
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertThat(report).isEqualTo("Kdid 2+0+1\n");

        List<Path> news = TestUsers.list(md.resolve("new"));
        assertThat(news).hasSize(1);
        long[] got = sizeAndCrc(news.get(0), 0);
        assertThat(got[0]).isEqualTo(HEAD.length() + w.size());
        assertThat(got[1]).as("Maildir CRC-32").isEqualTo(w.maildirCrc());

        // mbox: the From_ line (its date varies), the two lines, the quoted message, a blank line.
        Path mbox = u.home().resolve("mbox");
        String fromLine;
        try (InputStream in = Files.newInputStream(mbox)) {
            fromLine = new String(in.readNBytes(200), StandardCharsets.ISO_8859_1).lines().findFirst().orElseThrow() + "\n";
        }
        assertThat(fromLine).startsWith("From s@x.org ");
        got = sizeAndCrc(mbox, fromLine.length());
        assertThat(got[0]).isEqualTo(HEAD.length() + w.size() + BLOCKS + 1);
        assertThat(got[1]).as("mbox CRC-32").isEqualTo(w.mboxCrc());

        assertThat(Files.readString(u.home().resolve("count")).trim()).isEqualTo(Long.toString(w.size()));

        var lspawn = rss.peak.entrySet().stream().filter(e -> e.getKey().cmdline().contains("QmailLspawn")).toList();
        var workers = rss.peak.entrySet().stream().filter(e -> e.getKey().cmdline().contains("LocalWorker")).toList();
        assertThat(lspawn).as("qmail-lspawn was sampled").isNotEmpty();
        assertThat(workers).as("a worker was sampled").isNotEmpty();
        for (var e : workers) assertThat(e.getKey().cmdline()).contains("-XX:+DisableAttachMechanism", "-Xmx64m", "-Xmx" + heap);
        long lspawnPeak = lspawn.stream().mapToLong(Map.Entry::getValue).max().orElseThrow();
        long workerPeak = workers.stream().mapToLong(Map.Entry::getValue).max().orElseThrow();
        String figures = "2 GiB message, heap " + heap + ": " + seconds + " s; peak RSS qmail-lspawn " + (lspawnPeak >> 20)
                + " MiB, worker " + (workerPeak >> 20) + " MiB";
        System.err.println(figures);
        assertThat(lspawnPeak).as(figures).isLessThan(RSS_LIMIT);
        assertThat(workerPeak).as(figures).isLessThan(RSS_LIMIT);
        // Whatever else ran below qmail-lspawn (sh, wc) stayed small too.
        for (var e : rss.peak.entrySet()) assertThat(e.getValue()).as(e.getKey().toString()).isLessThan(RSS_LIMIT);
    }
}
