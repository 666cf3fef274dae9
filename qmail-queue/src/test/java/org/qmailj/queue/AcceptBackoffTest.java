package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;

/**
 * qmail-queued out of descriptors (RLIMIT_NOFILE 128 through prlimit, budgets set higher
 * than that on purpose): accept fails with EMFILE and the writer pauses instead of spinning
 * (its accept thread's CPU time, from /proc, barely moves), says so at most once in 10 s on stderr, and serves
 * again as soon as descriptors are free.
 */
class AcceptBackoffTest {
    @TempDir Path dir;

    @Test
    void outOfDescriptorsTheAcceptLoopPausesAndRecovers() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        Path err = dir.resolve("qmail-queued.err");
        List<String> cmd = new ArrayList<>(List.of("prlimit", "--nofile=128:128", "--"));
        cmd.addAll(Jvm.command(System.getProperty("java.class.path"), t.home.root(), null, "org.qmailj.queue.QmailQueued"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(Map.of("QMAILQUEUED_CONNECTIONS", "5000", "QMAILQUEUED_PERUID", "5000"));
        Process d = pb.start();
        SocketQueueClient client = new SocketQueueClient(WriterProtocol.socket(t.queue), null, 30_000);
        List<SocketChannel> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 500 && !client.answers(); i++) Thread.sleep(20);
            assertThat(inject(client, "warm-up\n").ok()).isTrue();
            // Silent connections until accept runs out of descriptors.
            for (int i = 0; i < 200; i++) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(WriterProtocol.socket(t.queue)));
                silent.add(ch);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(err).contains("unable to accept")) {
                assertThat(System.nanoTime()).as("EMFILE reported; stderr: " + Files.readString(err)).isLessThan(deadline);
                Thread.sleep(20);
            }
            long before = acceptThreadTicks(d.pid());
            Thread.sleep(2000);
            long used = acceptThreadTicks(d.pid()) - before;
            // Spinning, the accept thread takes ~100 ticks in 2 s (measured: 96 on a shared box).
            assertThat(used).as("accept thread's CPU ticks (1/100 s) in 2 s without descriptors").isLessThan(20);
            assertThat(d.isAlive()).isTrue();
            assertThat(Files.readString(err)).contains("qmail-queued: warning: unable to accept: Too many open files; pausing (1 failed");
            assertThat(Files.readAllLines(err).stream().filter(l -> l.contains("unable to accept")).count())
                    .as("at most one line per 10 s, not one per failed accept").isEqualTo(1);
            System.out.println("accept backoff: accept thread used " + used + " ticks of CPU in 2 s at EMFILE");

            for (SocketChannel ch : silent) ch.close();
            silent.clear();
            QueueResult r = inject(client, "after\n");
            assertThat(r.ok()).as(r.toString()).isTrue();
            assertThat(t.todo()).hasSize(2);
        } finally {
            for (SocketChannel ch : silent) ch.close();
            d.destroy();
            d.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static QueueResult inject(QueueClient client, String body) throws Exception {
        try (QueueClient.Session s = client.open()) {
            s.message().write(bytes(body));
            return s.commit(new Envelope("a@b", List.of("c@d")));
        }
    }

    /** utime + stime of the writer's accept thread, in clock ticks (/proc/PID/task/TID/stat fields 14 and 15). */
    static long acceptThreadTicks(long pid) throws Exception {
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                String stat = Files.readString(task.resolve("stat"));
                if (!stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).equals("qmail-queue acc")) continue;
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]);
            }
        }
        throw new AssertionError("no accept thread in " + pid);
    }
}
