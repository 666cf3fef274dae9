package org.qmailj.send;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.qmailj.clean.QmailCleanAccess;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.spawn.SpawnProtocol;
import org.qmailj.common.sys.Fd;

/**
 * qmail-send in this JVM, wired over real pipes to two {@link FakeSpawner} threads and the
 * real qmail-clean code on a thread. Bounces go to a recording queue client that also queues
 * them in the test queue (so they get delivered, as in TEST.deliver.md).
 */
final class SendHarness implements AutoCloseable {
    /** A check that may fail while files change under it: false instead of the exception. */
    static boolean quiet(IoBool b) {
        try {
            return b.get();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    interface IoBool { boolean get() throws java.io.IOException; }

    final TestQueue tq;
    final Path deliveries;
    final FakeSpawner local;
    final FakeSpawner remote;
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final List<Injected> injected = new ArrayList<>();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private CompletableFuture<Integer> exit;
    /** While true, the queue refuses bounces (as a full disk would). */
    volatile boolean refuseBounces;

    record Injected(String message, Envelope envelope) {}

    SendHarness(TestQueue tq, SpawnProtocol localProtocol, SpawnProtocol remoteProtocol, int localHold) {
        this.tq = tq;
        this.deliveries = tq.home.resolve("deliveries");
        this.local = new FakeSpawner(tq.q.root(), deliveries, localProtocol, localHold);
        this.remote = new FakeSpawner(tq.q.root(), deliveries, remoteProtocol, 0);
    }

    SendHarness(TestQueue tq) {
        this(tq, SpawnProtocol.classic(120), SpawnProtocol.classic(120), 0);
    }

    private static InputStream in(int fd) { return Fd.inputStream(fd); }
    private static OutputStream out(int fd) { return Fd.outputStream(fd); }

    SendHarness start() throws IOException {
        Fd.Pipe toL = Fd.pipe(), fromL = Fd.pipe(), toR = Fd.pipe(), fromR = Fd.pipe(), toC = Fd.pipe(), fromC = Fd.pipe();
        daemon("fake-lspawn", () -> local.serve(in(toL.read()), out(fromL.write())));
        daemon("fake-rspawn", () -> remote.serve(in(toR.read()), out(fromR.write())));
        daemon("clean", () -> QmailCleanAccess.serve(tq.q, in(toC.read()), out(fromC.write())));
        OutputStream logOut = new OutputStream() {
            @Override public void write(int b) { synchronized (log) { log.write(b); } }
            @Override public void write(byte[] b, int o, int l) { synchronized (log) { log.write(b, o, l); } }
        };
        QmailSend.Wiring w = new QmailSend.Wiring(logOut, in(fromL.read()), out(toL.write()), in(fromR.read()), out(toR.write()),
                in(fromC.read()), out(toC.write()));
        exit = CompletableFuture.supplyAsync(() -> QmailSend.run(new QmailHome(tq.home), w, recorder(), events),
                r -> Thread.ofPlatform().name("qmail-send").start(r));
        return this;
    }

    private interface IoRunnable { void run() throws IOException; }

    private static void daemon(String name, IoRunnable r) {
        Thread.ofPlatform().daemon().name(name).start(() -> {
            try {
                r.run();
            } catch (IOException e) {
                // pipe closed: the test is over
            }
        });
    }

    private QueueClient recorder() {
        return () -> new QueueClient.Session() {
            final ByteArrayOutputStream m = new ByteArrayOutputStream();
            @Override public OutputStream message() { return m; }
            @Override public QueueResult commit(Envelope e) throws IOException {
                if (refuseBounces) return QueueResult.ofExit(53);
                synchronized (injected) {
                    injected.add(new Injected(m.toString(StandardCharsets.ISO_8859_1), e));
                }
                // The qp the queue recorded as p is the one the result reports.
                tq.inject(m.toByteArray(), e.sender(), e.recipients(), 666, 20357);
                return QueueResult.queued(20357);
            }
            @Override public void close() { }
        };
    }

    String log() {
        synchronized (log) {
            return log.toString(StandardCharsets.ISO_8859_1);
        }
    }

    List<String> logLines() {
        return List.of(log().split("\n"));
    }

    List<String> delivered() throws IOException {
        return Files.exists(deliveries) ? Files.readAllLines(deliveries, StandardCharsets.ISO_8859_1) : List.of();
    }

    void await(String what, BooleanSupplier cond, int seconds) {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what + "; log:\n" + log());
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    void awaitLog(String line, int seconds) {
        await("log line '" + line + "'", () -> logLines().contains(line), seconds);
    }

    int stop() throws Exception {
        events.add(new Event.Terminate());
        return exit.get(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (exit != null && !exit.isDone()) stop();
    }
}
