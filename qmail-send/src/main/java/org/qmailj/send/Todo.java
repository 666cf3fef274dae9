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
import org.qmailj.common.sys.Fsync;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.sys.Unlink;

/**
 * Preprocessing of queued messages (INTERNALS.md section 4): for each {@code todo/N} it
 * removes stale {@code info/N}, {@code local/N}, {@code remote/N} where an earlier attempt can
 * have left them ({@link #preprocess}), writes them anew from the
 * envelope with the recipients rewritten ({@link RecipientRewriter}) and posts
 * {@link Event.Preprocessed} to the scheduler.
 *
 * <p>First attempt without files: nothing is written and todo/N stays, so the message is
 * still queued by todo/N, intd/N and mess/N, which qmail-queue made durable; scans leave a
 * todo/N kept so alone ({@link #keep}). Most messages are delivered at the first attempt; for
 * them the scheduler has qmail-clean remove todo/N, then mess/N ({@link #finishing}), and no
 * info/, local/, remote/ file ever existed: no inode allocated and freed (on ext4 without a
 * journal each new inode scans past every inode freed in the last seconds, which made these
 * three files most of qmail-send's CPU). A message whose first attempt does not simply succeed
 * is made a queued message the qmail way first ({@link #materialize}, called by the scheduler,
 * which knows the DONE marks so far: the files written and fdatasync'd, their directories
 * fsync'd, then qmail-clean removes intd/N and todo/N): before a bounce paragraph, a deferral's
 * retry time or a qmail-qctl action, once the first attempt is older than
 * {@link #FIRST_ATTEMPT} seconds, and before qmail-send exits. A crash meanwhile leaves
 * todo/N, which is preprocessed again at the next start (stale files removed first, as
 * qmail-send does): deliveries done in between may be repeated, never lost. Without the
 * directory fsync a crash after todo/N's removal could lose info/N's name and the message.
 *
 * <p>A message handed to the scheduler stays in its heap (a {@link Fresh}) until it is
 * finished or made durable, so the scheduler is handed at most {@link #IN_HAND} messages (and
 * {@link #IN_HAND_BYTES} of envelopes) at a time; a backlog beyond that waits in todo/, on
 * disk, as in qmail, and is taken in turns ({@link #scan}).
 *
 * <p>Runs on its own platform thread, so a burst of injections never holds up the
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
            if (scan() > 0) sleep(GATHER_MILLIS);
            long next = now() + SLEEP_TODO;
            while (!stopped && !wake && now() < next) {
                if (rfd >= 0) {
                    try {
                        if (Fd.poll(rfd, Fd.POLLIN, 1000) != 0) break;
                    } catch (SysException e) {
                        sleep(1000);
                    }
                } else {
                    sleep(1000);
                }
            }
        }
        closeQuietly(rfd);
        closeQuietly(wfd);
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /**
     * After a pass that found messages, the next look at the trigger waits this long, so that
     * messages committed meanwhile (each pulls the trigger) are taken in one pass: under a load
     * of mail one wake-up, one reopening of the trigger and one listing of todo/ serve several
     * messages instead of one each. Their first delivery starts up to this much later.
     */
    static final long GATHER_MILLIS = 10;

    /**
     * One pass over todo/; returns how many messages it handed on. Everything it lists goes, in
     * the order of the numbers, while the messages in hand leave room ({@link #IN_HAND}); with
     * more in todo/ than that, the numbers after the last one taken go first, wrapping around
     * (so each todo/N has its turn however the numbers fall), and the rest waits in todo/.
     */
    int scan() {
        int room = inHandLimit - inHand.get();
        // Cut short last time: the next pass waits until half the room is free again
        // (released() wakes it), not a listing of a big todo/ for every message finished.
        if (room <= 0 || inHandBytes.get() >= inHandBytesLimit || starved && !halfFree()) {
            starved = true;
            return 0;
        }
        long after = cursor;
        java.util.Comparator<Long> fromCursor = (a, b) -> Long.compareUnsigned(a - after - 1, b - after - 1);
        // The room nearest numbers after the cursor, in a heap whose head is the farthest: a
        // listing of any size takes memory for `room` numbers only.
        java.util.PriorityQueue<Long> pick = new java.util.PriorityQueue<>(fromCursor.reversed());
        int found = 0;
        synchronized (kept) {
            skipped.clear();
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue.dir("todo"))) {
            for (Path p : ds) {
                long id;
                try {
                    id = Long.parseLong(p.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue; // not a message: qmail ignores it as well
                }
                synchronized (kept) {
                    // todo/N kept on purpose: not preprocessed again. Once its message is being
                    // finished, the todo/N seen may already be a new message's with the same
                    // number (mess/N unlinked before the reply that todo/N went came back):
                    // finished(N) looks.
                    Boolean finishing = kept.get(id);
                    if (finishing != null) {
                        if (finishing) skipped.add(id);
                        continue;
                    }
                }
                found++;
                pick.add(id);
                if (pick.size() > room) pick.poll();
            }
        } catch (IOException e) {
            log.line(QmailLog.unableToOpendir("todo"));
            return 0;
        }
        boolean cut = found > room;
        List<Long> ids = new ArrayList<>(pick);
        ids.sort(cut ? fromCursor : null);
        starved = cut;
        // Every todo/N there when this qmail-send started is in the listings until one took
        // all it found (readdir returns each entry that stays throughout): those may have
        // files of an attempt before the start.
        boolean startup = startupPending;
        cutByBytes = false;
        handed = 0;
        for (int i = 0; i < ids.size() && !stopped && !cutByBytes; i += BATCH) batch(ids.subList(i, Math.min(ids.size(), i + BATCH)), startup);
        if (!cut && !cutByBytes && !stopped) startupPending = false;
        return handed;
    }

    /**
     * Messages in hand at most: handed to the scheduler and not yet {@link #released} by it.
     * Each is a {@link Fresh} in qmail-send's heap (its envelope and recipients), so a backlog
     * of any size (a long outage, a flood) waits in todo/ on disk instead: 100,000 in hand
     * were more than qmail-send's 32 MB heap, which it then left with an OutOfMemoryError at
     * every start. A thousand is a few seconds of deliveries, and at most a hundred a second
     * reach {@link #FIRST_ATTEMPT} undelivered and are written out the qmail way.
     */
    static final int IN_HAND = 1000;

    /**
     * And at most about this many bytes of envelopes in hand ({@link Fresh#weight}; the heap
     * holds two or three times that): a message with many recipients weighs as many small ones.
     * One message is handed on whatever it weighs when none is in hand.
     */
    static final long IN_HAND_BYTES = 2 << 20;

    /**
     * {@link #IN_HAND}, or -Dqmail.send.inhand=N (QMAIL_JAVA_OPTS, with a bigger -Xmx), and
     * {@link #IN_HAND_BYTES}; tests set small ones.
     */
    int inHandLimit = Math.max(1, Integer.getInteger("qmail.send.inhand", IN_HAND));
    long inHandBytesLimit = IN_HAND_BYTES;

    /** Handed to the scheduler and not yet released, and their weight. */
    private final java.util.concurrent.atomic.AtomicInteger inHand = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong inHandBytes = new java.util.concurrent.atomic.AtomicLong();

    /** Todo thread: the pass in progress stopped for the weight in hand. */
    private boolean cutByBytes;

    /** Todo thread: messages the pass in progress handed on. */
    private int handed;

    /** The last pass left messages in todo/ for want of room. */
    private volatile boolean starved;

    /** Todo thread: the last number a pass took (see {@link #scan}). */
    private long cursor;

    /** Todo thread: no pass has yet taken everything it listed since the start. */
    private boolean startupPending = true;

    /**
     * The scheduler let go of a message it was handed (finished it, made it durable the qmail
     * way, or reads its files from now on): room for another. The pass cut short for want of
     * room is woken once half the room is free.
     */
    void released(int weight) {
        inHandBytes.addAndGet(-weight);
        inHand.decrementAndGet();
        if (starved && halfFree()) {
            starved = false;
            wake();
        }
    }

    private boolean halfFree() {
        return inHand.get() <= inHandLimit / 2 && inHandBytes.get() <= inHandBytesLimit / 2;
    }

    /** Messages in hand (for tests and the status page). */
    int inHand() {
        return inHand.get();
    }

    /**
     * Messages per batch: a scan's log lines go out in one write per batch, and the
     * scheduler makes at most that many messages durable at once (their directory fsyncs and
     * qmail-clean commands shared).
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

    /**
     * One message after the other, each handed to the scheduler as soon as it is written.
     * Without syncs a message is a few small writes: the pool of worker threads that once let
     * the fsyncs of a batch overlap cost more in hand-offs than it saved. An exception escapes
     * to this thread and so to FailFast (the daemon exits 111): a bug must not leave a
     * half-dead qmail-send that no longer preprocesses.
     */
    private void batchHeld(List<Long> ids, boolean startup) {
        for (long id : ids) {
            if (stopped) return; // todo/N stays: preprocessed again at the next start
            if (inHandBytes.get() >= inHandBytesLimit) { // big envelopes: the rest waits in todo/
                starved = true;
                cutByBytes = true;
                return;
            }
            cursor = id;
            Fresh f = preprocess(id, startup);
            if (f == null) continue;
            synchronized (kept) {
                kept.put(id, false);
            }
            inHand.incrementAndGet();
            inHandBytes.addAndGet(f.weight);
            handed++;
            events.add(new Event.Preprocessed(id, f));
        }
    }

    /** Seconds a message may stay on its first attempt before it is made durable anyway. */
    static final long FIRST_ATTEMPT = 10;

    /**
     * The messages whose todo/N is kept on purpose, each with whether the scheduler is
     * finishing it; guarded by itself, as is {@link #skipped}.
     */
    private final java.util.Map<Long, Boolean> kept = new java.util.HashMap<>();

    /** Numbers the last scan found in todo/ and left alone while their message was being finished. */
    private final java.util.Set<Long> skipped = new java.util.HashSet<>();

    /**
     * The scheduler finishes message {@code id} on its first attempt: qmail-clean removes todo/N,
     * then mess/N, and {@link #finished} follows when it says todo/N is gone.
     */
    void finishing(long id) {
        synchronized (kept) {
            kept.replace(id, true);
        }
    }

    /**
     * qmail-clean has removed todo/N of a message {@link #finishing} named. Its mess/N may be
     * gone too, and a new message may have the number already: if a scan left a todo/N alone
     * while this one was finished and todo/N is there now, that is the new message's, and
     * another scan is due now (else it would wait up to {@link #SLEEP_TODO} seconds).
     */
    void finished(long id) {
        boolean seen;
        synchronized (kept) {
            kept.remove(id);
            seen = skipped.remove(id);
        }
        if (seen && Files.exists(queue.todo(id))) wake();
    }

    /** The files of a message on its first attempt, as the scheduler wants them written. */
    record ToWrite(long id, long birth, byte[] info, byte[] local, byte[] remote) {}

    /**
     * Makes messages on their first attempt queued ones the qmail way (scheduler thread): for
     * each, info/N and the channel files that have recipients left written and fdatasync'd
     * (info/N's mtime set to the birth; a channel file without recipients left removed, in
     * case an earlier try wrote it), the directories with new names fsync'd once, then
     * qmail-clean's todo/N commands in one write. Returns the numbers for which all that
     * succeeded: their todo/N is gone. Nothing is done once qmail-clean is lost (todo/N could
     * not go; the next start preprocesses those messages again).
     */
    java.util.Set<Long> materialize(List<ToWrite> ms) {
        java.util.Set<Long> ok = new java.util.HashSet<>();
        if (clean.lost()) return ok;
        List<ToWrite> written = new ArrayList<>();
        java.util.Set<Path> dirs = new java.util.LinkedHashSet<>();
        for (ToWrite m : ms) {
            if (writeAll(m)) {
                written.add(m);
                dirs.add(split("info", m.id()).getParent());
                if (m.local() != null) dirs.add(split("local", m.id()).getParent());
                if (m.remote() != null) dirs.add(split("remote", m.id()).getParent());
            }
        }
        java.util.Set<Path> failed = new java.util.HashSet<>();
        for (Path d : dirs) {
            try {
                Fsync.dir(d);
            } catch (IOException e) {
                log.line(QmailLog.trouble("fsyncing", queue.root().relativize(d).toString()));
                failed.add(d);
            }
        }
        List<ToWrite> durable = written.stream().filter(m -> !failed.contains(split("info", m.id()).getParent())
                && (m.local() == null || !failed.contains(split("local", m.id()).getParent()))
                && (m.remote() == null || !failed.contains(split("remote", m.id()).getParent()))).toList();
        if (durable.isEmpty()) return ok;
        List<java.util.concurrent.CompletableFuture<CleanReply>> replies;
        try {
            replies = clean.send(durable.stream().map(m -> new CleanRequest(CleanRequest.Kind.TODO, m.id())).toList());
        } catch (IOException e) {
            return ok; // the scheduler hears of the lost qmail-clean and exits
        }
        for (int i = 0; i < durable.size(); i++) {
            long id = durable.get(i).id();
            CleanReply reply;
            try {
                reply = CleanClient.await(replies.get(i));
            } catch (IOException e) {
                break;
            }
            if (reply != CleanReply.DONE) {
                log.line(QmailLog.cleanFailed("todo/" + id));
                continue;
            }
            ok.add(id);
            synchronized (kept) {
                kept.remove(id);
            }
        }
        return ok;
    }

    private boolean writeAll(ToWrite m) {
        if (!write("info", m.id(), m.info())) return false;
        try {
            Files.setLastModifiedTime(split("info", m.id()), java.nio.file.attribute.FileTime.fromMillis(m.birth() * 1000));
        } catch (IOException e) {
            log.line(QmailLog.unableToUtime(name("info", m.id())));
            return false;
        }
        return channel("local", m.id(), m.local()) && channel("remote", m.id(), m.remote());
    }

    private boolean channel(String dir, long id, byte[] content) {
        if (content != null) return write(dir, id, content);
        try {
            Unlink.ifExists(split(dir, id));
            return true;
        } catch (IOException e) {
            log.line(QmailLog.unableTo("unlink", name(dir, id)));
            return false;
        }
    }

    /**
     * Held (shared) while a message is preprocessed, and (exclusive) by the scheduler while it finishes one, so
     * that a bounce's "new msg" line follows its parent's "end msg" line as in qmail's log.
     */
    final java.util.concurrent.locks.ReentrantReadWriteLock gate = new java.util.concurrent.locks.ReentrantReadWriteLock();

    /**
     * todo_do up to the files, without the files: what info/N, local/N and remote/N would hold,
     * for the scheduler ({@link Fresh}; written only if the first attempt does not simply
     * succeed, see the class comment); null if the message cannot be preprocessed now.
     *
     * <p>qmail first unlinks info/N, local/N and remote/N, in case an earlier attempt left
     * them (three unlinks, almost always ENOENT). Here that is done only for a message found by
     * the first scan after the start ({@code startup}): nothing in this run writes those files
     * while todo/N is there except {@link #materialize}, which removes todo/N once they are
     * written (or, after a failure, keeps todo/N kept and is tried again by the scheduler, its
     * files truncated). Any other todo/N is a message queued after the start and not tried
     * yet, and no info/N, local/N, remote/N can be left from before:
     * <ul>
     * <li>N is the inode of mess/N, so an earlier message numbered N had its mess/N unlinked
     *     before this one's was made;
     * <li>such files exist only while mess/N does: written while todo/N exists (info/N first),
     *     removed by the scheduler before mess/N (local/N and remote/N, then info/N, then
     *     qmail-clean's foop), and the 36-hour cleanup removes mess/N only when neither todo/N
     *     nor info/N is there. qmail's own order, so a queue left by C qmail holds the same.
     * </ul>
     */
    Fresh preprocess(long id, boolean startup) {
        gate.readLock().lock();
        try {
            return preprocessLocked(id, startup);
        } finally {
            gate.readLock().unlock();
        }
    }

    private Fresh preprocessLocked(long id, boolean mayHaveLeftovers) {
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
        long birth = System.currentTimeMillis() / 1000; // info/N's mtime if it is written (Fresh.birth)
        byte[] localBytes = local.isEmpty() ? null : RecipientFile.encode(local);
        byte[] remoteBytes = remote.isEmpty() ? null : RecipientFile.encode(remote);
        log.line(QmailLog.infoMsg(id, bytes, r.sender(), r.pid(), r.uid()));
        return new Fresh(r.sender(), birth, info, localBytes == null ? null : entries(localBytes), localBytes,
                remoteBytes == null ? null : entries(remoteBytes), remoteBytes);
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
            // Not O_EXCL: an earlier materialize of this message may have failed after a write.
            ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
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
