package org.qmailj.lspawn;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.qmailj.common.QmailHome;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.Spawn;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.sys.UnixSeqpacket;
import org.qmailj.local.LocalExit;
import org.qmailj.local.LocalRequest;
import org.qmailj.local.WorkerProtocol;

/**
 * Warm qmail-local workers, one per (uid, gid) (DESIGN.md). The first delivery for a user
 * starts {@code java -cp CLASSPATH org.qmailj.local.LocalWorker UID GID} (java from
 * java.home, the classpath of this JVM) with posix_spawn, a request socket on its fd 0 (each
 * request carries the open message, SCM_RIGHTS) and a response pipe on its fd 1; the worker
 * drops to GID/UID itself before anything else. Later deliveries for that user reuse it
 * ({@link WorkerProtocol}). The worker runs as the user and is not trusted: its responses
 * are bounded and checked, and one that breaks the protocol is killed.
 *
 * <p>At most {@code max} workers run; when a new one is needed and the pool is full, the
 * least recently used idle worker is told to stop (its request socket is shut down); if none is
 * idle the caller waits. A worker idle for {@code idleMillis} is stopped the same way. A
 * worker that dies with deliveries in flight fails them temporarily (its exit code's qlx
 * report, or "Zqmail-local crashed."), so qmail-send retries them: nothing is lost.
 *
 * <p>Threads: {@link #deliver} is called from one platform thread per delivery; each worker
 * has a reader thread (it also reaps the worker) and the pool one reaper thread.
 */
public final class WorkerPool implements AutoCloseable {
    public record Key(int uid, int gid) {
    }

    public record Result(int exit, byte[] output, String fixedReport) {
    }

    private final QmailHome home;
    private final int max;
    private final long idleMillis;
    private final List<String> jvmOptions;
    private final Map<Key, Worker> workers = new LinkedHashMap<>(16, 0.75f, true);
    private int seq;
    private volatile boolean closed;

    public WorkerPool(QmailHome home, int max, long idleMillis, List<String> jvmOptions) {
        this.home = home;
        this.max = Math.max(1, max);
        this.idleMillis = idleMillis;
        this.jvmOptions = List.copyOf(jvmOptions);
        Thread.ofPlatform().daemon().name("worker-reaper").start(this::reap);
    }

    final class Worker {
        final Key key;
        final long pid;
        /**
         * Our end of the request socket. Sends and the close hold {@link #sendLock}, so no
         * send can reach a descriptor number reused after the close.
         */
        final int socket;
        final Object sendLock = new Object();
        boolean socketClosed;
        final Map<Integer, CompletableFuture<Result>> pending = new HashMap<>();
        long lastUsed = System.nanoTime();
        boolean stopping;
        boolean dead;

        Worker(Key key, long pid, int socket) {
            this.key = key;
            this.pid = pid;
            this.socket = socket;
        }

        /** End of input for the worker: it finishes what it has and exits. */
        void stop() {
            stopping = true;
            try {
                UnixSeqpacket.shutdown(socket);
            } catch (SysException ignored) {
                // the worker is gone already
            }
        }
    }

    /**
     * Worker JVM flags: a small fixed heap (the message is streamed, never held), Serial GC,
     * C1 only, no attach mechanism (the worker runs as the user, who must not be able to
     * attach to it and load code while it still holds anything from root), the install's AOT
     * cache when there is one (same JDK and class path as this JVM), what the JVM itself prints
     * (its last words on OutOfMemoryError) on stderr, since stdout is the response pipe, and no
     * JVM signal handlers (-Xrs): the user may signal their worker, and a SIGQUIT would have it
     * write a thread dump (~5 KB, as often as the user likes) into lspawn's stderr, the log, or
     * before that into the response pipe; with -Xrs it just ends the worker, as the user's kill
     * -9 would (a jcmd attach, which the worker refuses, sends SIGQUIT too). Plus
     * -Dqmail.worker.jvm's words.
     */
    public static List<String> jvmOptions(QmailHome home) {
        String extra = System.getProperty("qmail.worker.jvm", "");
        List<String> o = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED",
                "-XX:+DisableAttachMechanism", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:-UsePerfData", "-XX:+DisplayVMOutputToStderr", "-Xrs", "-Xms8m", "-Xmx" + WORKER_HEAP_MB + "m", "-Xss512k",
                "-XX:ReservedCodeCacheSize=32m", "-XX:MetaspaceSize=16m", "-XX:CICompilerCount=1",
                "-Xlog:disable", "-Xlog:all=warning:stderr"));
        Path aot = home.root().resolve("lib/qmail.aot");
        if (Files.isRegularFile(aot)) o.add("-XX:AOTCache=" + aot);
        for (String s : extra.split(" ")) if (!s.isBlank()) o.add(s);
        return o;
    }

    /** A worker's heap: messages of any size are streamed through 64 KiB buffers. */
    static final int WORKER_HEAP_MB = 64;

    /** How many workers run now. */
    public synchronized int size() {
        return workers.size();
    }

    /** The pids of the running workers. */
    public synchronized List<Long> pids() {
        return workers.values().stream().map(w -> w.pid).toList();
    }

    /**
     * Runs one delivery in the worker for {@code key}, giving it a copy of {@code messageFd}
     * (the caller keeps and closes its own) and the message's size; waits for the outcome.
     */
    public Result deliver(Key key, LocalRequest req, int messageFd, long size) {
        Worker w;
        int id;
        CompletableFuture<Result> f = new CompletableFuture<>();
        synchronized (this) {
            try {
                w = acquire(key);
            } catch (IOException e) {
                return new Result(LocalExit.EXECSOFT.code(), new byte[0], null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(LocalExit.SYS.code(), new byte[0], null);
            }
            id = ++seq;
            w.pending.put(id, f);
            w.lastUsed = System.nanoTime();
        }
        try {
            byte[] packet = WorkerProtocol.encode(new WorkerProtocol.Request(id, size, req));
            synchronized (w.sendLock) {
                if (w.socketClosed) throw new IOException("worker gone");
                UnixSeqpacket.send(w.socket, packet, 0, packet.length, messageFd);
            }
        } catch (IOException e) {
            // Not sent: the worker never sees this id. (If it died, its reader fails the rest.)
            synchronized (this) {
                if (w.pending.remove(id) == null) return waitFor(f);
            }
            return new Result(LocalExit.SYS.code(), new byte[0], null);
        }
        return waitFor(f);
    }

    private static Result waitFor(CompletableFuture<Result> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(LocalExit.SYS.code(), new byte[0], null);
        } catch (ExecutionException e) {
            return new Result(LocalExit.SYS.code(), new byte[0], null);
        }
    }

    /** Called holding the pool lock. */
    private Worker acquire(Key key) throws IOException, InterruptedException {
        while (true) {
            Worker w = workers.get(key);
            if (w != null && !w.dead && !w.stopping) return w;
            if (live() < max) break;
            Worker idle = null;
            for (Worker x : workers.values()) {
                if (!x.stopping && x.pending.isEmpty()) {
                    idle = x;
                    break;
                }
            }
            if (idle != null) {
                idle.stop();
                workers.remove(idle.key);
                break;
            }
            wait(1000);
        }
        Worker w = start(key);
        workers.put(key, w);
        return w;
    }

    private int live() {
        int n = 0;
        for (Worker w : workers.values()) if (!w.stopping && !w.dead) n++;
        return n;
    }

    private Worker start(Key key) throws IOException {
        UnixSeqpacket.Pair req = UnixSeqpacket.pair();
        Fd.Pipe resp;
        try {
            resp = Fd.pipe();
        } catch (SysException e) {
            Fd.closeQuietly(req.a(), req.b());
            throw e;
        }
        List<String> argv = new ArrayList<>();
        argv.add(System.getProperty("java.home") + "/bin/java");
        argv.addAll(jvmOptions);
        argv.add("-D" + QmailHome.PROPERTY + "=" + home.root());
        argv.add("-cp");
        argv.add(System.getProperty("java.class.path"));
        argv.add("org.qmailj.local.LocalWorker");
        argv.add(Integer.toUnsignedString(key.uid()));
        argv.add(Integer.toUnsignedString(key.gid()));
        long pid;
        try {
            pid = Spawn.spawn(argv.getFirst(), argv, System.getenv(), List.of(
                    new Spawn.FdAction.Dup2(req.b(), 0),
                    new Spawn.FdAction.Dup2(resp.write(), 1),
                    new Spawn.FdAction.Dup2(2, 2)));
        } catch (SysException e) {
            Fd.closeQuietly(req.a(), req.b(), resp.read(), resp.write());
            throw e;
        }
        Fd.closeQuietly(req.b(), resp.write());
        InputStream fromWorker = Fd.reopenInput(resp.read());
        Worker w = new Worker(key, pid, req.a());
        Thread.ofPlatform().daemon().name("worker-" + pid).start(() -> read(w,
                new DataInputStream(new BufferedInputStream(fromWorker, 8192))));
        return w;
    }

    /**
     * The worker's responses, until it ends; then reaps it and fails what it left undone. The
     * worker runs as the user: a response that breaks {@link WorkerProtocol} (a bad length or
     * exit code, an id it was not given) gets it killed, and its deliveries fail (Z).
     */
    private void read(Worker w, DataInputStream in) {
        try (in) {
            while (true) {
                WorkerProtocol.Response r = WorkerProtocol.readResponse(in);
                if (r == null) break;
                CompletableFuture<Result> f;
                synchronized (this) {
                    f = w.pending.remove(r.id());
                    w.lastUsed = System.nanoTime();
                    notifyAll();
                }
                if (f == null) throw new WorkerProtocol.BadFrame("response for unknown delivery " + r.id());
                f.complete(new Result(r.exit(), r.report(), null));
            }
        } catch (WorkerProtocol.BadFrame e) {
            System.err.println("qmail-lspawn: killing worker " + w.pid + " (uid " + w.key.uid() + "): " + e.getMessage());
            try {
                Proc.kill(w.pid, Proc.SIGKILL);
            } catch (SysException ignored) {
                // it is gone already; waitpid below reaps it
            }
        } catch (IOException e) {
            // the worker died mid-frame
        }
        String fixed = LocalExit.CRASHED;
        try {
            Spawn.WaitStatus st = Spawn.waitpid(w.pid);
            if (st.exited() && st.exitCode() != 0) {
                String r = LocalExit.report(st.exitCode(), "");
                if (r.length() > 1) fixed = r;
            }
        } catch (SysException e) {
            // already reaped
        }
        List<CompletableFuture<Result>> lost;
        synchronized (this) {
            w.dead = true;
            w.stopping = true;
            if (workers.get(w.key) == w) workers.remove(w.key);
            lost = new ArrayList<>(w.pending.values());
            w.pending.clear();
            notifyAll();
        }
        // The worker is dead, so a send blocked on a full socket fails at once and frees the lock.
        synchronized (w.sendLock) {
            w.socketClosed = true;
            Fd.closeQuietly(w.socket);
        }
        for (CompletableFuture<Result> f : lost) f.complete(new Result(LocalExit.SOFT.code(), new byte[0], fixed));
    }

    private void reap() {
        while (!closed) {
            try {
                Thread.sleep(Math.max(50, Math.min(1000, idleMillis / 4)));
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            synchronized (this) {
                for (var it = workers.values().iterator(); it.hasNext(); ) {
                    Worker w = it.next();
                    if (w.pending.isEmpty() && now - w.lastUsed > idleMillis * 1_000_000L) {
                        w.stop();
                        it.remove();
                    }
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (Worker w : workers.values()) w.stop();
        workers.clear();
    }



}
