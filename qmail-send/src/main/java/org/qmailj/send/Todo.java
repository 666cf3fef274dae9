package org.qmailj.send;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.qmailj.clean.CleanReply;
import org.qmailj.clean.CleanRequest;
import org.qmailj.common.address.RecipientRewriter;
import org.qmailj.common.log.QmailLog;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.RecipientFile;
import org.qmailj.common.queue.TodoRecord;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.HeldDir;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.sys.Unlink;

/**
 * Preprocessing of queued messages (INTERNALS.md section 4): for each {@code todo/N} it
 * removes stale {@code info/N}, {@code local/N}, {@code remote/N} where an earlier attempt can
 * have left them ({@link #preprocess}), writes them anew from the
 * envelope with the recipients rewritten ({@link RecipientRewriter}), fsyncs them, fsyncs
 * the directories that got the new names (once per batch of {@link #BATCH} messages, each held
 * open from one batch to the next: {@link HeldDir}), has
 * qmail-clean remove {@code intd/N} and {@code todo/N}, then posts
 * {@link Event.Preprocessed} to the scheduler. Without the directory fsync a crash after
 * todo/N's removal could lose info/N's name and with it the message.
 *
 * <p>Runs on its own platform thread (which hands each message to one of {@link #WORKERS}
 * preprocessing threads, so their fsyncs overlap), so a burst of injections never holds up the
 * deliveries of messages already preprocessed. It wakes on lock/trigger (opened for reading
 * non-blocking and reopened before each scan, as qmail-send does; a write descriptor is kept
 * so the fifo never reports hang-up), and rescans every {@link #SLEEP_TODO} seconds anyway.
 * Shape: {@code init} ({@link #start}), {@code selprep} (the poll on the trigger until the
 * next scan), {@code run} ({@link #scan}).
 */
final class Todo {
    static final long SLEEP_TODO = 1500;

    private final QueueLayout queue;
    private final SendLog log;
    private final CleanClient clean;
    private final Supplier<RecipientRewriter> rewriter;
    private final BlockingQueue<Event> events;
    private volatile boolean stopped;
    private volatile boolean wake;
    private Thread thread;

    Todo(QueueLayout queue, SendLog log, CleanClient clean, Supplier<RecipientRewriter> rewriter, BlockingQueue<Event> events) {
        this.queue = queue;
        this.log = log;
        this.clean = clean;
        this.rewriter = rewriter;
        this.events = events;
    }

    void start() {
        // A daemon thread: if the scheduler dies, this one must not keep the JVM (and
        // lock/sendmutex) alive.
        thread = Thread.ofPlatform().name("todo").daemon().start(this::loop);
    }

    /** Asks for a scan now (SIGALRM). */
    void wake() {
        wake = true;
        pull();
    }

    /** Asks the thread to stop after the message in hand, without waiting. */
    void requestStop() {
        stopped = true;
        pull();
    }

    /** Stops after the message in hand; waits up to a minute for that. */
    void stop() {
        requestStop();
        if (thread != null) {
            try {
                thread.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void pull() {
        try {
            Fifo.pull(queue.trigger());
        } catch (SysException e) {
            // no fifo: the poll below times out within a second anyway
        }
    }

    private void loop() {
        int rfd = -1;
        int wfd = -1;
        while (!stopped) {
            // Reopen the trigger before scanning, so a pull during the scan wakes the next poll.
            rfd = closeQuietly(rfd);
            try {
                rfd = Fifo.openRead(queue.trigger());
                if (wfd < 0) wfd = Fifo.openWrite(queue.trigger());
                drain(rfd);
            } catch (SysException e) {
                rfd = closeQuietly(rfd);
            }
            wake = false;
            scan();
            long next = now() + SLEEP_TODO;
            while (!stopped && !wake && now() < next) {
                if (rfd >= 0) {
                    try {
                        if (Fd.poll(rfd, Fd.POLLIN, 1000) != 0) break;
                    } catch (SysException e) {
                        sleep();
                    }
                } else {
                    sleep();
                }
            }
        }
        closeQuietly(rfd);
        closeQuietly(wfd);
        heldDirs.values().forEach(HeldDir::close);
    }

    private static void drain(int fd) throws SysException {
        byte[] b = new byte[1024];
        while (Fd.read(fd, b, 0, b.length) > 0) {
            // trigger bytes carry no data
        }
    }

    private static int closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                Fd.close(fd);
            } catch (SysException e) {
                // already closed
            }
        }
        return -1;
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** One pass over todo/, oldest-numbered first. */
    void scan() {
        List<Long> ids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue.dir("todo"))) {
            for (Path p : ds) {
                try {
                    ids.add(Long.parseLong(p.getFileName().toString()));
                } catch (NumberFormatException e) {
                    // not a message: qmail ignores it as well
                }
            }
        } catch (IOException e) {
            log.line(QmailLog.unableToOpendir("todo"));
            return;
        }
        ids.sort(null);
        // Every todo/N there when this qmail-send started is in this first listing (readdir
        // returns each entry that stays throughout): those may have files of an attempt
        // before the start.
        boolean startup = !listed;
        listed = true;
        for (int i = 0; i < ids.size() && !stopped; i += BATCH) batch(ids.subList(i, Math.min(ids.size(), i + BATCH)), startup);
    }

    /** A listing of todo/ succeeded once (todo thread only). */
    private boolean listed;

    /**
     * Messages whose preprocessing began in this run and has not ended with todo/N removed: an
     * attempt that failed anywhere (a write, an fsync, qmail-clean, a stop) may have left
     * info/N, local/N or remote/N, so the next attempt removes them first. Added by a worker
     * when it starts on N, removed by the todo thread once qmail-clean removed todo/N. An entry
     * left behind (todo/N gone some other way) can only cost a later message with the same
     * number three unlinks, never its preprocessing.
     */
    private final java.util.Set<Long> unfinished = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Messages per batch: their directory fsyncs are shared, and a burst still reaches the
     * scheduler batch by batch instead of after the whole of todo/ was written.
     */
    static final int BATCH = 64;

    private void batch(List<Long> ids, boolean startup) {
        log.hold(); // the batch's lines in one write at its end
        try {
            batchHeld(ids, startup);
        } finally {
            log.release();
        }
    }

    private void batchHeld(List<Long> ids, boolean startup) {
        // Several messages at once: their fsyncs overlap. Each message's own lines stay in
        // order; lines of different messages may interleave, as qmailanalog allows.
        List<Written> written = inWorkers(ids, id -> preprocess(id, startup));
        // The new names in info/, local/ and remote/ must be on disk before todo/N goes: one
        // fsync per directory touched, for the whole batch.
        java.util.Set<Path> failed = new java.util.HashSet<>();
        written.stream().flatMap(w -> w.dirs().stream()).distinct().forEach(d -> {
            try {
                heldDirs.computeIfAbsent(d, HeldDir::new).fsync();
            } catch (IOException e) {
                log.line(QmailLog.trouble("fsyncing", queue.root().relativize(d).toString()));
                failed.add(d);
            }
        });
        // Those in a directory that did not sync stay in todo/ and are redone at the next scan.
        List<Written> durable = written.stream().filter(w -> w.dirs().stream().noneMatch(failed::contains)).toList();
        if (!stopped) done(durable);
    }

    /** The split directories fsync'd so far, held open for the next batches (todo thread only). */
    private final java.util.Map<Path, HeldDir> heldDirs = new java.util.HashMap<>();

    /**
     * One message whose files are written and synced, the directories that got a new name,
     * and what was written (for the scheduler).
     */
    record Written(long id, List<Path> dirs, Fresh fresh) {}

    /**
     * Runs {@code step} for each id on the workers and returns the non-null results. An
     * exception escapes to the worker thread and so to FailFast (the daemon exits 111): a bug
     * must not leave a half-dead qmail-send that no longer preprocesses.
     */
    private <T> List<T> inWorkers(List<Long> ids, java.util.function.LongFunction<T> step) {
        java.util.concurrent.CountDownLatch left = new java.util.concurrent.CountDownLatch(ids.size());
        java.util.concurrent.ConcurrentLinkedQueue<T> results = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (long id : ids) {
            workers.execute(() -> {
                try {
                    if (stopped) return;
                    T r = step.apply(id);
                    if (r != null) results.add(r);
                } finally {
                    left.countDown();
                }
            });
        }
        try {
            left.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
        return List.copyOf(results);
    }

    /**
     * Has qmail-clean remove intd/N and todo/N of each message, then tells the scheduler: S5
     * reached. The batch's commands go out in one write and the replies are taken as they come
     * (qmail-clean answers in order), instead of a round trip per message.
     */
    private void done(List<Written> ws) {
        if (ws.isEmpty()) return;
        List<java.util.concurrent.CompletableFuture<CleanReply>> replies;
        try {
            replies = clean.send(ws.stream().map(w -> new CleanRequest(CleanRequest.Kind.TODO, w.id())).toList());
        } catch (IOException e) {
            return; // the scheduler hears of the lost qmail-clean and exits
        }
        for (int i = 0; i < ws.size(); i++) {
            Written w = ws.get(i);
            long id = w.id();
            CleanReply reply;
            try {
                reply = CleanClient.await(replies.get(i));
            } catch (IOException e) {
                return;
            }
            if (reply != CleanReply.DONE) {
                log.line(QmailLog.cleanFailed("todo/" + id));
                continue;
            }
            // todo/N is gone: a todo/N seen from now on is another message (see preprocess).
            unfinished.remove(id);
            events.add(new Event.Preprocessed(id, w.fresh()));
        }
    }

    /**
     * Held (shared) while a message is preprocessed, and (exclusive) by the scheduler while it finishes one, so
     * that a bounce's "new msg" line follows its parent's "end msg" line as in qmail's log.
     */
    final java.util.concurrent.locks.ReentrantReadWriteLock gate = new java.util.concurrent.locks.ReentrantReadWriteLock();

    /** How many messages are preprocessed at once. */
    static final int WORKERS = 4;
    private final java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newFixedThreadPool(WORKERS,
            Thread.ofPlatform().name("todo-", 1).daemon(true).factory());

    /**
     * todo_do up to the files: info/N, local/N, remote/N written and synced; null if not.
     *
     * <p>qmail first unlinks info/N, local/N and remote/N, in case an earlier attempt left
     * them (three unlinks, almost always ENOENT). Here that is done only where such an attempt
     * can have been: for a message found by the first scan after the start ({@code startup})
     * and for one whose attempt in this run did not end with todo/N removed
     * ({@link #unfinished}). Any other todo/N is a message queued after the start and not tried
     * yet, and no info/N, local/N, remote/N can be left from before:
     * <ul>
     * <li>N is the inode of mess/N, so an earlier message numbered N had its mess/N unlinked
     *     before this one's was made;
     * <li>such files exist only while mess/N does: written while todo/N exists (info/N first),
     *     removed by the scheduler before mess/N (local/N and remote/N, then info/N, then
     *     qmail-clean's foop; messdone waits for todo/N to be gone), and the 36-hour cleanup
     *     removes mess/N only when neither todo/N nor info/N is there. qmail's own order, so a
     *     queue left by C qmail holds the same;
     * <li>so such files are left only by a preprocessing attempt of this very message (its
     *     todo/N still there): before the start, found by the first scan; or in this run,
     *     still in {@link #unfinished}.
     * </ul>
     * The files are created with O_EXCL besides, so a stale info/N, or a stale channel file
     * this message uses, would fail the attempt (logged) and the next one removes it.
     */
    Written preprocess(long id, boolean startup) {
        boolean retried = !unfinished.add(id);
        gate.readLock().lock();
        try {
            return preprocessLocked(id, startup || retried);
        } finally {
            gate.readLock().unlock();
        }
    }

    private Written preprocessLocked(long id, boolean mayHaveLeftovers) {
        String todoName = "todo/" + id;
        byte[] data;
        try {
            data = readWhole(queue.todo(id));
        } catch (NoSuchFileException e) {
            return null; // handled meanwhile
        } catch (IOException e) {
            log.line(QmailLog.unableTo("open", todoName));
            return null;
        }
        log.line(QmailLog.newMsg(id));
        // Remove what an earlier attempt may have left (see preprocess: none can, otherwise).
        if (mayHaveLeftovers) for (String dir : new String[] {"info", "local", "remote"}) {
            Path p = split(dir, id);
            try {
                Unlink.ifExists(p);
            } catch (IOException e) {
                log.line(QmailLog.unableTo("unlink", name(dir, id)));
                return null;
            }
        }
        TodoRecord r;
        try {
            r = TodoRecord.decode(data);
        } catch (IOException e) {
            log.line(QmailLog.unknownRecord(todoName));
            return null;
        }
        long bytes;
        try {
            bytes = Files.size(queue.mess(id));
        } catch (IOException e) {
            log.line(QmailLog.unableTo("stat", name("mess", id)));
            return null;
        }
        RecipientRewriter rw = rewriter.get();
        List<String> local = new ArrayList<>();
        List<String> remote = new ArrayList<>();
        for (String t : r.recipients()) {
            RecipientRewriter.Rewritten w = rw.rewrite(t);
            (w.channel() == RecipientRewriter.Channel.LOCAL ? local : remote).add(w.address());
        }
        byte[] sender = r.sender().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] info = new byte[sender.length + 2];
        info[0] = 'F';
        System.arraycopy(sender, 0, info, 1, sender.length);
        List<Path> dirs = new ArrayList<>(3);
        long birth = System.currentTimeMillis() / 1000; // info/N's mtime to the second (see Fresh.birth)
        if (!write("info", id, info)) return null;
        dirs.add(split("info", id).getParent());
        List<RecipientFile.Entry> localWritten = null;
        List<RecipientFile.Entry> remoteWritten = null;
        if (!local.isEmpty()) {
            byte[] b = RecipientFile.encode(local);
            if (!write("local", id, b)) return null;
            dirs.add(split("local", id).getParent());
            localWritten = entries(b);
        }
        if (!remote.isEmpty()) {
            byte[] b = RecipientFile.encode(remote);
            if (!write("remote", id, b)) return null;
            dirs.add(split("remote", id).getParent());
            remoteWritten = entries(b);
        }
        log.line(QmailLog.infoMsg(id, bytes, r.sender(), r.pid(), r.uid()));
        return new Written(id, dirs, new Fresh(r.sender(), birth, localWritten, remoteWritten));
    }

    /**
     * All of todo/N: open, fstat, one read, close. Files.readAllBytes reads once more to see
     * the end; todo/N never changes once linked (the queue writer wrote and synced intd/N
     * before), so the size fstat gives is the whole of it. A read of one byte more than that
     * tells a file that grew anyway, whose rest is then read to its end; a file shorter than
     * its size ends at its end, as with readAllBytes.
     */
    static byte[] readWhole(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size >= Integer.MAX_VALUE - 8) throw new IOException(p + ": too large");
            ByteBuffer b = ByteBuffer.allocate((int) size + 1);
            // At least one read (of size + 1 bytes); more only after a short one.
            while (ch.read(b) >= 0 && b.position() < size) {
                // a short read: go on to the size
            }
            if (b.position() <= size) return java.util.Arrays.copyOf(b.array(), b.position());
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream(b.position() * 2);
            all.write(b.array(), 0, b.position());
            all.write(java.nio.channels.Channels.newInputStream(ch).readAllBytes());
            return all.toByteArray();
        }
    }

    /** The recipients as the scheduler would read them back from the bytes just written. */
    private static List<RecipientFile.Entry> entries(byte[] written) {
        try {
            return RecipientFile.decode(written);
        } catch (IOException e) {
            throw new IllegalStateException("RecipientFile.encode wrote what decode refuses", e);
        }
    }

    private boolean write(String dir, long id, byte[] content) {
        Path p = split(dir, id);
        FileChannel ch;
        try {
            ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            log.line(QmailLog.unableTo("create", name(dir, id)));
            return false;
        }
        try (ch) {
            ByteBuffer b = ByteBuffer.wrap(content);
            try {
                while (b.hasRemaining()) ch.write(b);
            } catch (IOException e) {
                log.line(QmailLog.trouble("writing to", name(dir, id)));
                return false;
            }
            ch.force(false); // fdatasync: the data and the size, as fsync would for a new file
        } catch (IOException e) {
            log.line(QmailLog.trouble("fsyncing", name(dir, id)));
            return false;
        }
        return true;
    }

    private Path split(String dir, long id) {
        return queue.dir(dir).resolve(Integer.toString(QueueLayout.split(id))).resolve(Long.toString(id));
    }

    static String name(String dir, long id) {
        return dir + "/" + QueueLayout.split(id) + "/" + id;
    }
}
