package org.qmailj.send;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.qmailj.clean.CleanReply;
import org.qmailj.clean.CleanRequest;
import org.qmailj.common.log.QmailLog;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.RecipientFile;
import org.qmailj.common.sys.Fsync;
import org.qmailj.common.sys.Unlink;

/**
 * qmail-send's main loop and the queue state it alone owns: a {@link Prioq} per channel
 * (messages by next attempt), the done queue (messages whose recipients are all DONE), the
 * fail queue (messages to look at again after a system error), the open {@link Job}s and the
 * {@link Deliveries}. Each round asks every part when it next has work ({@code selprep}),
 * waits for that time or the next {@link Event}, then runs the parts ({@code run}).
 *
 * <p>Runs on the thread that called {@link #run}. Reader, todo and signal threads only post
 * events.
 */
final class Scheduler {
    /** How long a system error (stat, unlink, bounce injection) puts a message aside. */
    static final long SLEEP_SYSFAIL = 123;

    private final QueueLayout queue;
    private final Controls controls;
    private final SendLog log;
    private final Map<Channel, Comm> comm;
    private final CleanClient clean;
    private final QueueClient bounces;
    private final BlockingQueue<Event> events;
    private final Todo todo;
    private final SendMetrics metrics;
    private final Map<Channel, Prioq> chanq = new EnumMap<>(Channel.class);
    private final Map<Channel, Deliveries> deliveries = new EnumMap<>(Channel.class);
    private final Map<Channel, Pass> passes = new EnumMap<>(Channel.class);
    private final Map<Channel, Boolean> alive = new EnumMap<>(Channel.class);
    private final Prioq doneq = new Prioq();
    private final Prioq failq = new Prioq();
    /**
     * Messages on their first attempt (see {@link Todo}): no info/, local/, remote/ files, this
     * is all there is. Bounded by {@link Todo#IN_HAND}: each entry leaves ({@link #dropFresh}) when
     * its message is finished or made durable.
     */
    private final Map<Long, Fresh> fresh = new java.util.HashMap<>();
    private final QueueActions actions;
    private long masterDelid;
    private boolean exiting;
    private int exitCode;

    /** The controls in force; SIGHUP swaps them. */
    interface Controls {
        SendControl get();
        void reread();
    }

    Scheduler(QueueLayout queue, Controls controls, SendLog log, Map<Channel, Comm> comm, CleanClient clean,
            QueueClient bounces, BlockingQueue<Event> events, Todo todo, SendMetrics metrics) {
        this.queue = queue;
        this.controls = controls;
        this.log = log;
        this.comm = comm;
        this.clean = clean;
        this.bounces = bounces;
        this.events = events;
        this.todo = todo;
        this.metrics = metrics;
        for (Channel c : Channel.values()) {
            chanq.put(c, new Prioq());
            passes.put(c, new Pass(c, this));
            alive.put(c, true);
            deliveries.put(c, new Deliveries(c, comm.get(c).max(), controls.get().concurrency(c)));
            metrics.channel(c, deliveries.get(c).limit);
        }
        this.actions = new QueueActions(this, queue, log);
    }

    Prioq prioq(Channel c) { return chanq.get(c); }

    Deliveries deliveries(Channel c) { return alive.get(c) ? deliveries.get(c) : null; }

    boolean exiting() { return exiting; }

    static long now() { return System.currentTimeMillis() / 1000; }

    /** Runs until SIGTERM or a lost daemon; returns the exit code. */
    int run() {
        rebuild();
        log.line(status());
        todo.start();
        // The round's log lines go out in one write, before the wait (SendLog.hold).
        log.hold();
        while (true) {
            long now = now();
            for (Pass p : passes.values()) p.run(now);
            runDone(now);
            runFail(now);
            runFirstAttempts(now);
            if (exiting && canExit()) break;
            long wake = Long.MAX_VALUE;
            for (Pass p : passes.values()) wake = Math.min(wake, p.selprep());
            if (doneq.min() != null) wake = Math.min(wake, doneq.min().dt());
            if (failq.min() != null) wake = Math.min(wake, failq.min().dt());
            if (!firstAttempts.isEmpty()) wake = Math.min(wake, firstAttempts.peekFirst().since() + Todo.FIRST_ATTEMPT);
            long waitMs = wake == Long.MAX_VALUE ? 3_600_000 : Math.max(0, (wake - now) * 1000 - (System.currentTimeMillis() % 1000) + 5);
            if (wake <= now) waitMs = 0;
            for (Comm c : comm.values()) c.flush(); // the round's delivery commands, one write each
            log.release();
            try {
                Event e = events.poll(waitMs, TimeUnit.MILLISECONDS);
                log.hold();
                while (e != null) {
                    handle(e);
                    e = events.poll();
                }
            } catch (InterruptedException ie) {
                log.hold();
                exiting = true;
            }
        }
        log.release();
        todo.stop();
        finish();
        log.line(QmailLog.statusExiting());
        return exitCode;
    }

    private boolean canExit() {
        for (Channel c : Channel.values()) if (alive.get(c) && deliveries.get(c).used() > 0) return false;
        return true;
    }

    private void handle(Event e) {
        switch (e) {
            case Event.Report r -> deliveryDone(r);
            case Event.Preprocessed p -> {
                metrics.preprocessed.increment();
                pqaddNew(p, now());
            }
            case Event.LostSpawn l -> {
                if (alive.get(l.channel())) {
                    log.line(QmailLog.lostSpawn());
                    alive.put(l.channel(), false);
                }
                dying();
            }
            case Event.LostClean l -> {
                log.line(QmailLog.lostClean());
                dying();
            }
            case Event.Alarm a -> alarm(now());
            case Event.Control c -> c.reply().complete(actions.handle(c.request(), now()));
            case Event.Hangup h -> controls.reread();
            case Event.Terminate t -> {
                exiting = true;
                todo.requestStop();
            }
        }
    }

    /** SIGALRM (and qmail-qctl's retry-all): everything queued is due now. */
    void alarm(long now) {
        for (Prioq q : chanq.values()) q.allDue(now);
        failq.allDue(now);
        todo.wake();
    }

    private void dying() {
        exiting = true;
        todo.requestStop();
        exitCode = 111;
    }

    String status() {
        Deliveries l = deliveries.get(Channel.LOCAL);
        Deliveries r = deliveries.get(Channel.REMOTE);
        // The limits as in force: the control files, capped by what each spawner announced.
        return QmailLog.status(l.used(), l.limit, r.used(), r.limit);
    }

    // ---- state rebuild (INTERNALS.md: messages in S5 are found through info/) ----

    private void rebuild() {
        long now = now();
        queue.forEachMessage("info", (id, p) -> {
            // Still in todo/ (S4): the todo thread preprocesses it again.
            if (!Files.exists(queue.todo(id))) pqadd(id, now);
        }, i -> log.line(QmailLog.unableToOpendir("info/" + i)));
    }

    /** qmail's pqadd: queue message {@code id} on each channel that still has recipients. */
    void pqadd(long id, long now) {
        if (!Files.exists(queue.info(id))) return;
        boolean any = false;
        for (Channel c : Channel.values()) {
            Path f = chanFile(id, c);
            try {
                long mtime = Files.getLastModifiedTime(f).toMillis() / 1000;
                chanq.get(c).add(mtime, id);
                any = true;
            } catch (NoSuchFileException e) {
                // nothing for this channel
            } catch (IOException e) {
                log.line(QmailLog.unableTo("stat", Todo.name(c.word, id)));
                failq.add(now + SLEEP_SYSFAIL, id);
                return;
            }
        }
        if (!any) doneq.add(now, id);
    }

    /**
     * pqadd for a message the todo thread just wrote: it says what it wrote ({@link Fresh}), so
     * nothing need be looked up; each channel file is due now (its mtime is this second or the
     * last).
     */
    private void pqaddNew(Event.Preprocessed p, long now) {
        Fresh f = p.fresh();
        f.since = now;
        Fresh before = fresh.put(p.id(), f);
        if (before != null) todo.released(before.weight);
        firstAttempts.addLast(new FirstAttempt(now, p.id()));
        boolean any = false;
        for (Channel c : Channel.values()) {
            if (f.has(c)) {
                chanq.get(c).add(now, p.id());
                any = true;
            }
        }
        if (!any) doneq.add(now, p.id());
    }

    /** The scheduler holds no {@link Fresh} of message {@code id} any more: the todo thread may hand on another. */
    private void dropFresh(long id) {
        Fresh f = fresh.remove(id);
        if (f != null) todo.released(f.weight);
    }

    // ---- the first attempt (see Todo) ----

    /** A message the scheduler heard of at {@code since}, in that order. */
    private record FirstAttempt(long since, long id) {}

    /** Messages preprocessed in this run, oldest first, until their first attempt is {@link Todo#FIRST_ATTEMPT} old. */
    private final java.util.ArrayDeque<FirstAttempt> firstAttempts = new java.util.ArrayDeque<>();

    /** Messages on their first attempt for {@link Todo#FIRST_ATTEMPT} seconds or more are made durable, a batch at a time. */
    private void runFirstAttempts(long now) {
        List<Long> due = new ArrayList<>();
        while (!firstAttempts.isEmpty() && firstAttempts.peekFirst().since() + Todo.FIRST_ATTEMPT <= now) {
            FirstAttempt a = firstAttempts.pollFirst();
            Fresh f = fresh.get(a.id());
            // Finished, made durable already, or another message with the number since.
            if (f != null && f.since == a.since()) due.add(a.id());
        }
        for (int i = 0; i < due.size(); i += Todo.BATCH) {
            List<Long> batch = due.subList(i, Math.min(due.size(), i + Todo.BATCH));
            Set<Long> ok = materialize(batch);
            // Failed (logged): tried again a little later.
            for (long id : batch) if (!ok.contains(id)) fresh.get(id).since = now - Todo.FIRST_ATTEMPT + SLEEP_SYSFAIL;
            for (long id : batch) if (!ok.contains(id)) firstAttempts.addLast(new FirstAttempt(fresh.get(id).since, id));
        }
    }

    /**
     * Makes message {@code id} a queued message the qmail way if it is on its first attempt (see
     * {@link Todo}): its files written, as the deliveries so far left them, and synced, then
     * todo/N removed. True if it is so now (or was not on its first attempt).
     */
    boolean materialize(long id) {
        Fresh f = fresh.get(id);
        if (f == null) return true;
        return materialize(List.of(id)).contains(id);
    }

    /** {@link #materialize} for messages on their first attempt, at once; the numbers for which it succeeded. */
    private Set<Long> materialize(List<Long> ids) {
        List<Todo.ToWrite> ms = new ArrayList<>();
        for (long id : ids) {
            Fresh f = fresh.get(id);
            ms.add(new Todo.ToWrite(id, f.birth, f.info, f.file(Channel.LOCAL), f.file(Channel.REMOTE)));
        }
        Set<Long> ok = todo.materialize(ms);
        // Its files are all there is now, as after a restart: read from disk from here on, so
        // that a message waiting for a slow channel holds no memory (Todo.IN_HAND).
        for (long id : ok) dropFresh(id);
        return ok;
    }

    Path chanFile(long id, Channel c) {
        return c == Channel.LOCAL ? queue.local(id) : queue.remote(id);
    }

    // ---- jobs ----

    Job openJob(long id, Channel c, long now) {
        if (actions.park(id, c)) return null; // held: kept aside until released
        Fresh f = fresh.get(id);
        if (f != null) {
            List<RecipientFile.Entry> written = f.take(c);
            if (written != null) return new Job(id, c, f.sender, f.birth, f.birth + controls.get().queuelifetime() < now, written);
            // A second job on the channel: the file says more than the todo thread knew.
            if (!materialize(id)) {
                chanq.get(c).add(now + SLEEP_SYSFAIL, id);
                return null;
            }
        }
        String sender;
        long birth;
        try {
            byte[] info = Files.readAllBytes(queue.info(id));
            if (info.length < 2 || info[0] != 'F') throw new IOException("bad info");
            int end = info[info.length - 1] == 0 ? info.length - 1 : info.length;
            sender = new String(info, 1, end - 1, java.nio.charset.StandardCharsets.ISO_8859_1);
            birth = Files.getLastModifiedTime(queue.info(id)).toMillis() / 1000;
        } catch (NoSuchFileException e) {
            return null; // someone yanked our chain
        } catch (IOException e) {
            log.line(QmailLog.trouble("reading", Todo.name("info", id)));
            failq.add(now + SLEEP_SYSFAIL, id);
            return null;
        }
        List<RecipientFile.Entry> entries;
        try {
            entries = RecipientFile.decode(Files.readAllBytes(chanFile(id, c)));
        } catch (NoSuchFileException e) {
            checkDone(id, now);
            return null;
        } catch (IOException e) {
            log.line(QmailLog.trouble("reading", Todo.name(c.word, id)));
            chanq.get(c).add(now + SLEEP_SYSFAIL, id);
            return null;
        }
        boolean dying = birth + controls.get().queuelifetime() < now;
        return new Job(id, c, sender, birth, dying, entries);
    }

    /** A job whose deliveries are all back: finished, or queued for its next retry. */
    void closeJob(Job j, long now) {
        Path f = chanFile(j.id, j.channel);
        Fresh first = fresh.get(j.id);
        if (first != null) {
            if (!j.deferred) { // no file to unlink: it was never written
                first.unlinked(j.channel);
                checkDone(j.id, now);
                return;
            }
            // Its retry time is the channel file's mtime: the files first.
            if (!materialize(j.id)) {
                chanq.get(j.channel).add(now + SLEEP_SYSFAIL, j.id);
                return;
            }
        }
        if (!j.deferred) {
            try {
                Unlink.ifExists(f);
            } catch (IOException e) {
                log.line(QmailLog.unableTo("unlink", Todo.name(j.channel.word, j.id)));
                if (j.unmarked >= 0) {
                    try {
                        RecipientFile.mark(f, j.unmarked);
                    } catch (IOException x) {
                        log.line(QmailLog.troubleMarking(Todo.name(j.channel.word, j.id)));
                    }
                }
                chanq.get(j.channel).add(now + SLEEP_SYSFAIL, j.id);
                return;
            }
            checkDone(j.id, now);
            return;
        }
        long retry = j.rush ? now : j.channel.nextRetry(j.birth, now);
        try {
            Files.setLastModifiedTime(f, FileTime.fromMillis(retry * 1000));
        } catch (IOException e) {
            log.line(QmailLog.unableToUtime(Todo.name(j.channel.word, j.id)));
        }
        chanq.get(j.channel).add(retry, j.id);
    }

    /** Done on every channel? Then it goes to the done queue. */
    private void checkDone(long id, long now) {
        Fresh f = fresh.get(id);
        for (Channel c : Channel.values()) {
            if (f != null ? f.has(c) : Files.exists(chanFile(id, c))) return;
        }
        doneq.add(now, id);
    }

    // ---- deliveries ----

    void startDelivery(Job j, RecipientFile.Entry r) {
        Deliveries d = deliveries.get(j.channel);
        long delid = ++masterDelid;
        int delnum = d.take(new Deliveries.Delivery(delid, j, r));
        j.outstanding++;
        comm.get(j.channel).write(delnum, QueueLayout.messName(j.id), j.sender, r.address());
        log.line(QmailLog.startingDelivery(delid, j.id, j.channel == Channel.LOCAL, r.address()));
        metrics.started(j.channel, delnum, r.address());
        log.line(status());
    }

    private void deliveryDone(Event.Report r) {
        Deliveries d = deliveries.get(r.channel());
        Deliveries.Delivery del = d.finish(r.delnum());
        if (del == null) {
            log.line(QmailLog.reportOutOfRange());
            return;
        }
        Job j = del.job();
        long now = now();
        String text = r.text();
        char kind = text.isEmpty() ? '?' : text.charAt(0);
        if (kind == 'Z' && j.dying) {
            kind = 'D';
            text = "D" + text.substring(1) + "I'm not going to try again; this message has been in the queue too long.\n";
        }
        // A failure: the message is made durable the qmail way (a no-op unless it is on its
        // first attempt: Todo) before bounce/N depends on its files; a deferral when its job
        // closes (closeJob: the retry time is the channel file's mtime).
        boolean durable = kind != 'D' || materialize(j.id);
        switch (kind) {
            case 'K' -> {
                log.line(QmailLog.delivery(del.delid(), QmailLog.Outcome.SUCCESS, text.substring(1)));
                markDone(j, del);
            }
            case 'D' -> {
                log.line(QmailLog.delivery(del.delid(), QmailLog.Outcome.FAILURE, text.substring(1)));
                if (durable && addBounce(j.id, del.entry().address(), text.substring(1))) markDone(j, del);
                else j.deferred = true;
            }
            case 'Z' -> {
                log.line(QmailLog.delivery(del.delid(), QmailLog.Outcome.DEFERRAL, text.substring(1)));
                j.deferred = true;
            }
            default -> {
                log.line(QmailLog.reportMangled(del.delid()));
                metrics.mangled.increment();
                j.deferred = true;
            }
        }
        SendMetrics.Result result = switch (kind) {
            case 'K' -> SendMetrics.Result.SUCCESS;
            case 'D' -> SendMetrics.Result.FAILURE;
            default -> SendMetrics.Result.DEFERRAL;
        };
        metrics.finished(r.channel(), r.delnum(), del.entry().address(), result,
                kind == 'K' || kind == 'D' || kind == 'Z' ? text.substring(1) : "report mangled", j.birth, now);
        log.line(status());
        j.outstanding--;
        // A job the pass still holds has recipients left to start; the pass closes it then.
        if (j.outstanding == 0 && j.hitEof()) closeJob(j, now);
    }

    /**
     * qmail's markdone: the D is written but not synced (a synced one cost a disk flush per
     * delivery on this thread); a power cut can only make it a second delivery.
     *
     * <p>Not written at all for the job's last recipient when nothing else is out: then the
     * channel file is unlinked right after ({@link #closeJob}, in this same report), and the
     * unlink records it. A crash in between only repeats that delivery (at least once, never
     * lost); if the unlink fails, the mark is written then.
     */
    private void markDone(Job j, Deliveries.Delivery del) {
        if (j.outstanding == 1 && j.hitEof() && !j.deferred) {
            j.unmarked = del.entry().offset();
            return;
        }
        Fresh f = fresh.get(j.id);
        if (f != null) { // no file yet: the mark goes into what materialize would write
            f.mark(j.channel, del.entry().offset());
            return;
        }
        try {
            RecipientFile.mark(chanFile(j.id, j.channel), del.entry().offset());
        } catch (IOException e) {
            log.line(QmailLog.troubleMarking(Todo.name(j.channel.word, j.id)));
            j.deferred = true;
        }
    }

    /**
     * Appends the failure to bounce/N and syncs it, and bounce/ itself when bounce/N is new (the
     * recipient is marked done next, so the name must survive a crash); false if that failed.
     */
    boolean addBounce(long id, String recipient, String text) {
        byte[] para = Bounce.paragraph(recipient, text).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        boolean created = !Files.exists(queue.bounce(id));
        try (var ch = java.nio.channels.FileChannel.open(queue.bounce(id), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.APPEND)) {
            var b = java.nio.ByteBuffer.wrap(para);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
            if (created) Fsync.dir(queue.bounce(id).getParent());
            return true;
        } catch (IOException e) {
            log.line(QmailLog.unableToAppendBounce());
            return false;
        }
    }

    // ---- for QueueActions ----

    /** The open jobs of message {@code id}: one a pass is still starting, those with deliveries out. */
    List<Job> openJobs(long id) {
        List<Job> jobs = new ArrayList<>();
        for (Channel c : Channel.values()) {
            Job cur = passes.get(c).current();
            if (cur != null && cur.id == id) jobs.add(cur);
            for (Job j : deliveries.get(c).jobs()) if (j.id == id && !jobs.contains(j)) jobs.add(j);
        }
        return jobs;
    }

    /** Makes message {@code id} due now on every channel it is queued on; false if it is queued on none. */
    boolean dueNow(long id, long now) {
        boolean any = false;
        for (Prioq q : chanq.values()) any |= q.advance(id, now);
        any |= failq.advance(id, now);
        return any;
    }

    long queuelifetime() { return controls.get().queuelifetime(); }

    // ---- finished messages (qmail's messdone) ----

    private void runDone(long now) {
        List<CleanRequest> foops = new ArrayList<>();
        Set<Path> emptied = new TreeSet<>();
        while (doneq.min() != null && doneq.min().dt() <= now && !exitingHard()) messdone(doneq.pop().id(), now, foops, emptied);
        if (foops.isEmpty()) return;
        // qmail-clean may give mess/N's inode to a new message N (queue/pool): the names this
        // process removed for the finished ones (info/N, local/N, remote/N, bounce/N) must be
        // gone on disk first, or a crash could bring them back beside the new message.
        for (Path d : emptied) {
            try {
                Fsync.dir(d);
            } catch (IOException e) {
                log.line(QmailLog.trouble("fsyncing", queue.root().relativize(d).toString()));
                foops.removeIf(r -> r.kind() == CleanRequest.Kind.FOOP && !firstAttemptFoops.contains(r.id()));
            }
        }
        firstAttemptFoops.clear();
        // One write for the round's finished messages, and no wait for the replies: qmail-clean
        // answers in order, and only a failure is logged when its reply comes.
        try {
            var replies = clean.send(foops);
            for (int i = 0; i < foops.size(); i++) {
                CleanRequest r = foops.get(i);
                replies.get(i).thenAccept(reply -> {
                    if (reply != CleanReply.DONE) log.line(QmailLog.cleanFailed(r.name()));
                    // todo/N is gone: the todo thread may take the number again. After a failure
                    // it stays taken, so that todo/N is not preprocessed without its mess/N.
                    else if (r.kind() == CleanRequest.Kind.TODO) todo.finished(r.id());
                });
            }
        } catch (IOException e) {
            // LostClean follows; the mess/ files left are removed by the 36-hour cleanup
        }
    }

    private boolean exitingHard() {
        return exitCode != 0;
    }

    /**
     * qmail's messdone up to the cleanup: the bounce, info/N removed, "end msg" logged (qmail
     * logs it whatever qmail-clean answers). Adds the qmail-clean commands that remove mess/N
     * (and first todo/N, for a message finished at its first attempt) to {@code foops}, for
     * {@link #runDone} to send; adds nothing if the message is not finished here.
     */
    private void messdone(long id, long now, List<CleanRequest> foops, Set<Path> emptied) {
        Fresh f = fresh.get(id);
        boolean first = f != null;
        CleanRequest foop = messdone(id, now, first);
        if (foop == null) return;
        // todo/N first: without it, a crash leaves at most mess/N for the 36-hour cleanup.
        if (first) {
            todo.finishing(id);
            foops.add(new CleanRequest(CleanRequest.Kind.TODO, id));
            firstAttemptFoops.add(id);
        } else {
            // Written after the first attempt: info/N, the channel files, maybe bounce/N.
            emptied.add(queue.info(id).getParent());
            emptied.add(queue.local(id).getParent());
            emptied.add(queue.remote(id).getParent());
            emptied.add(queue.bounce(id).getParent());
        }
        foops.add(foop);
    }

    /** The round's finished messages that never had files of qmail-send's (see runDone). */
    private final Set<Long> firstAttemptFoops = new HashSet<>();

    /**
     * messdone's checks, the bounce and info/N's removal: the qmail-clean command that removes
     * mess/N, or null if the message is not finished here. {@code firstAttempt}: its todo/N is
     * kept on purpose (see {@link Todo}).
     */
    private CleanRequest messdone(long id, long now, boolean firstAttempt) {
        Fresh f = fresh.get(id);
        boolean bounce;
        if (f != null) {
            // On its first attempt: its todo/N, kept, cannot be another message's while mess/N
            // is there; no info/N was written, the channel files are gone or never were (the
            // scheduler alone unlinks them), and no bounce/N: a failure makes the message
            // durable before its paragraph is written (deliveryDone), which ends its first
            // attempt. A bounce/N from an earlier message with the number went before its
            // info/N and mess/N (messdone's order, and C qmail's).
            for (Channel c : Channel.values()) if (f.has(c)) return null;
            bounce = false;
        } else {
            if (Files.exists(queue.todo(id))) return null; // queued again meanwhile: todo handles it
            if (!Files.exists(queue.info(id))) return null; // finished already
            for (Channel c : Channel.values()) if (Files.exists(chanFile(id, c))) return null;
            bounce = Files.exists(queue.bounce(id), java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
        if (!bounce) return finished(id, now, firstAttempt);
        // The bounce queued here is preprocessed by the todo thread, whose "new msg" line must
        // follow this message's "end msg", as in qmail's log: no preprocessing meanwhile. Only
        // here: the exclusive side parked the scheduler behind preprocessing (futex waits and
        // wake-ups) for every message.
        todo.gate.writeLock().lock();
        try {
            if (!Bounce.handle(id, queue, controls.get(), bounces, log, now)) {
                doneq.add(now + SLEEP_SYSFAIL, id);
                return null;
            }
            return finished(id, now, firstAttempt);
        } finally {
            todo.gate.writeLock().unlock();
        }
    }

    /**
     * messdone once bounce/N is gone: info/N removed (none was written on the first attempt),
     * "end msg"; the foop for qmail-clean.
     */
    private CleanRequest finished(long id, long now, boolean firstAttempt) {
        actions.forget(id);
        dropFresh(id);
        if (!firstAttempt) try {
            Unlink.ifExists(queue.info(id));
        } catch (IOException e) {
            log.line(QmailLog.unableTo("unlink", Todo.name("info", id)));
            doneq.add(now + SLEEP_SYSFAIL, id);
            return null;
        }
        log.line(QmailLog.endMsg(id));
        metrics.ended.increment();
        return new CleanRequest(CleanRequest.Kind.FOOP, id);
    }

    private void runFail(long now) {
        while (failq.min() != null && failq.min().dt() <= now) pqadd(failq.pop().id(), now);
    }

    /** qmail's pqfinish: record each queued message's next attempt as its file's mtime. */
    private void finish() {
        // Nothing left on its first attempt: the queue at rest is qmail's, todo/ holds only the new.
        List<Long> first = fresh.keySet().stream().sorted().toList();
        for (int i = 0; i < first.size(); i += Todo.BATCH) materialize(first.subList(i, Math.min(first.size(), i + Todo.BATCH)));
        for (Channel c : Channel.values()) {
            for (Prioq.Entry e : chanq.get(c).entries()) {
                try {
                    Files.setLastModifiedTime(chanFile(e.id(), c), FileTime.fromMillis(e.dt() * 1000));
                } catch (NoSuchFileException x) {
                    // finished meanwhile
                } catch (IOException x) {
                    log.line(QmailLog.unableToUtime(Todo.name(c.word, e.id())));
                }
            }
        }
        for (Comm c : comm.values()) c.close();
        clean.close();
    }
}
