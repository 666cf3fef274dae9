package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.common.sys.Proc;

/**
 * The queue writer qmail-start starts (sandbox ids: every role is the running user): none when
 * one already answers; a supervised qmail-queued started later waits on the writers' lock and
 * takes over when qmail-send stops. qmail-clean runs in whichever writer answers; a writer
 * killed under qmail-send takes qmail-send down with it.
 */
class QmailStartWriterTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    final ProcessHarness.Tracker harnesses = new ProcessHarness.Tracker();
    private final List<Process> writers = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process p : writers) {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    @TempDir Path home;

    private TestQueue queue() throws IOException {
        TestQueue tq = new TestQueue(home, "domain");
        int uid = Proc.getuid();
        int gid = Proc.getgid();
        StringBuilder ids = new StringBuilder();
        for (String u : List.of("alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails")) {
            ids.append(u).append(':').append(uid).append(':').append(gid).append('\n');
        }
        ids.append("root:0:0\nnofiles:").append(gid).append("\nqmail:").append(gid).append('\n');
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), ids.toString());
        return tq;
    }

    /** qmail-queued as a service would run it (no -e), its stderr to {@code err}. */
    private Process supervisedWriter(TestQueue tq, Path err) throws IOException {
        ProcessBuilder pb = org.qmailj.testing.DefaultSignals.builder(List.of(tq.home.resolve("bin/qmail-queued").toString()))
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        writers.add(p);
        return p;
    }

    /** qmail-start with no writer answering: it starts its own; returns once both serve. */
    private ProcessHarness startWithItsOwnWriter(TestQueue tq, SocketQueueClient c) throws Exception {
        ProcessHarness h = new ProcessHarness(tq).withQueueWriter();
        harnesses.track(h);
        h.start();
        h.await("qmail-start's writer", () -> h.logLines().contains("status: local 0/10 remote 0/20") && c.answers(), 60);
        return h;
    }

    private static Optional<ProcessHandle> startedWriter(ProcessHarness h) {
        return ProcessHandle.of(h.sendPid()).orElseThrow().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("org.qmailj.queue.QmailQueued")).findFirst();
    }

    private static long inject(SocketQueueClient c, String id) throws IOException {
        try (QueueClient.Session s = c.open()) {
            s.message().write(("Message-ID: <" + id + ">\n\nbody\n").getBytes(StandardCharsets.ISO_8859_1));
            QueueResult r = s.commit(new Envelope("a@domain", List.of("me@domain")));
            assertThat(r.ok()).as(r.toString()).isTrue();
            return r.qp();
        }
    }

    private static void awaitDelivered(ProcessHarness h, String id) throws InterruptedException {
        h.await("delivery of " + id, () -> {
            try {
                return h.delivered().contains("me@domain <" + id + "> a@domain");
            } catch (IOException e) {
                return false;
            }
        }, 60);
    }

    @Test
    void noWriterIsStartedWhenOneAnswers() throws Exception {
        TestQueue tq = queue();
        ProcessHarness h = new ProcessHarness(tq).withQueueWriter();
        harnesses.track(h);
        SocketQueueClient c = new SocketQueueClient(WriterProtocol.socket(tq.q));
        Process service = supervisedWriter(tq, home.resolve("service.err"));
        h.await("the service's socket", c::answers, 60);

        h.start();
        h.await("status line", () -> h.logLines().contains("status: local 0/10 remote 0/20"), 60);
        long n = inject(c, "served@x");
        awaitDelivered(h, "served@x");
        assertThat(h.logText()).contains("info msg " + n + ": bytes ").contains(" qp " + n + " uid ");
        assertThat(startedWriter(h)).isEmpty();
        // qmail-clean runs in the service's writer: the spawners are the only children, and
        // the delivered message's files went through the writer's clean session.
        assertThat(h.children()).hasSize(2);
        assertThat(h.child("QmailClean")).isEmpty();
        h.await("the message cleaned", () -> {
            try {
                return tq.leftovers().isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, 60);
        assertThat(Files.readString(home.resolve("service.err"))).endsWith("qmail-queued: info: serving qmail-clean for uid " + Proc.getuid() + "\n");

        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
        // The service outlives qmail-send: injection goes on.
        assertThat(service.isAlive()).isTrue();
        inject(c, "later@x");
    }

    /**
     * qmail-install's layout: supervise/qmail-queued/run exists, and svscan starts the service
     * together with qmail-send. qmail-start waits for it rather than start a writer of its own
     * that would run beside it as long as qmail-send.
     */
    @Test
    void aSupervisedWriterStartingLateIsWaitedFor() throws Exception {
        TestQueue tq = queue();
        ProcessHarness h = new ProcessHarness(tq).withQueueWriter();
        harnesses.track(h);
        Files.createDirectories(home.resolve("supervise/qmail-queued"));
        Files.writeString(home.resolve("supervise/qmail-queued/run"), "#!/bin/sh\n");
        SocketQueueClient c = new SocketQueueClient(WriterProtocol.socket(tq.q));
        h.start();
        // qmail-start has spawned the spawners and is still qmail-start: it asks for the
        // writer next. Only then does the service start.
        h.await("qmail-start's children", () -> h.children().size() == 2, 60);
        assertThat(ProcessHandle.of(h.sendPid()).orElseThrow().info().commandLine().orElse(""))
                .as("qmail-start waits for the writer").contains("org.qmailj.send.QmailStart");
        supervisedWriter(tq, home.resolve("service.err"));
        h.await("status line", () -> h.logLines().contains("status: local 0/10 remote 0/20"), 60);
        assertThat(startedWriter(h)).isEmpty();
        inject(c, "waited@x");
        awaitDelivered(h, "waited@x");
        assertThat(startedWriter(h)).isEmpty();
        assertThat(h.child("QmailClean")).as("qmail-clean runs in the service's writer").isEmpty();
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
    }

    @Test
    void aLaterServiceWaitsAndTakesOver() throws Exception {
        TestQueue tq = queue();
        SocketQueueClient c = new SocketQueueClient(WriterProtocol.socket(tq.q));
        ProcessHarness h = startWithItsOwnWriter(tq, c);
        ProcessHandle first = startedWriter(h).orElseThrow();
        // The spawners and the writer's loop; qmail-clean is in the writer.
        assertThat(h.children()).hasSize(3);
        assertThat(h.child("QmailClean")).isEmpty();
        inject(c, "first@x");
        awaitDelivered(h, "first@x");

        // A supervised writer started now waits for the lock rather than take the socket.
        Path err = home.resolve("service.err");
        Process service = supervisedWriter(tq, err);
        h.await("the service waiting", () -> {
            try {
                return Files.exists(err) && Files.readString(err).contains("another queue writer runs");
            } catch (IOException e) {
                return false;
            }
        }, 60);
        assertThat(service.isAlive()).isTrue();
        inject(c, "second@x");
        awaitDelivered(h, "second@x");

        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
        ProcessHarness.awaitGone(List.of(first), 60);
        // The service has the lock and the socket now.
        h.await("the service answering", c::answers, 60);
        assertThat(service.isAlive()).isTrue();
        inject(c, "third@x");
        assertThat(Files.readString(err)).isEqualTo("qmail-queued: another queue writer runs (it holds "
                + tq.q.lockDir().resolve("qmail-queued") + "); waiting for it to stop\n");
    }

    /**
     * qmail-clean runs in the writer, so a writer killed under qmail-send is "lost qmail-clean
     * connection": qmail-send exits 111 (supervise starts qmail-start again), the writer's loop
     * ends with it, and the next qmail-start delivers what was queued meanwhile.
     */
    @Test
    void aKilledWriterTakesQmailSendDownAndTheNextStartGoesOn() throws Exception {
        TestQueue tq = queue();
        SocketQueueClient c = new SocketQueueClient(WriterProtocol.socket(tq.q));
        ProcessHarness h = startWithItsOwnWriter(tq, c);
        ProcessHandle first = startedWriter(h).orElseThrow();
        ProcessHandle loop = h.children().stream()
                .filter(p -> p.descendants().anyMatch(d -> d.pid() == first.pid())).findFirst().orElseThrow();
        inject(c, "first@x");
        awaitDelivered(h, "first@x");

        first.destroyForcibly();
        assertThat(h.waitExit(60)).isEqualTo(111);
        assertThat(h.logLines()).contains("alert: oh no! lost qmail-clean connection! dying...");
        // The loop's next writer sees end of file on the life line qmail-send held, and the loop ends.
        ProcessHarness.awaitGone(List.of(loop), 30);

        long n = tq.inject("meanwhile@x", "a@domain", "me@domain");
        h.start();
        h.await("a new writer", () -> startedWriter(h).isPresent() && c.answers(), 60);
        awaitDelivered(h, "meanwhile@x");
        h.await("end msg " + n, () -> h.logLines().contains("end msg " + n), 60);
        inject(c, "second@x");
        awaitDelivered(h, "second@x");
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
    }
}
