package org.qmailj.send;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.RecipientFile;
import org.qmailj.common.sys.Fsync;

/**
 * What qmail-qctl asks of qmail-send, carried out on the scheduler thread (the only owner of
 * queue state), one {@link ControlRequest} at a time: hold, release, delete (with or without a
 * bounce), retry now, expire.
 *
 * <p>Held messages are kept as empty files {@code queue/held/N}, a directory C qmail never
 * looks at, so the queue at rest stays C-compatible (C qmail simply delivers them). A held
 * message taken from a channel's {@link Prioq} is parked here instead of being opened; release
 * puts it back. held/N goes before info/N when a message finishes, so a held/N whose info/N is
 * missing is stale (the number may be a new message's inode) and is removed at start.
 *
 * <p>Delete marks every NOT DONE recipient DONE (after appending its bounce paragraph to
 * bounce/N for a delete with bounce) and lets the usual path finish the message: closeJob,
 * the done queue, messdone (bounce, info/N, qmail-clean). Expire sets info/N's mtime (the
 * message's birth, as in C qmail) back past queuelifetime and retries now, so the next
 * temporary failure becomes permanent, as qmail does for old messages.
 */
final class QueueActions {
    static final String DELETED = "This message was deleted from the queue by the postmaster; it will not be delivered.\n";

    private final Scheduler s;
    private final QueueLayout queue;
    private final SendLog log;
    private final Path heldDir;
    private final Set<Long> held = new HashSet<>();
    private final Map<Long, EnumSet<Channel>> parked = new HashMap<>();

    QueueActions(Scheduler s, QueueLayout queue, SendLog log) {
        this.s = s;
        this.queue = queue;
        this.log = log;
        this.heldDir = heldDir(queue);
        load();
    }

    static Path heldDir(QueueLayout queue) { return queue.root().resolve("held"); }

    private void load() {
        if (!Files.isDirectory(heldDir)) {
            try {
                Files.createDirectory(heldDir); // when qmail-send owns the queue (tests); else made by root at start
            } catch (IOException e) {
                return;
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(heldDir)) {
            for (Path p : ds) {
                var id = ControlRequest.number(p.getFileName().toString());
                if (id.isPresent() && Files.exists(queue.info(id.get()))) held.add(id.get());
                else Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.line(org.qmailj.common.log.QmailLog.warning("unable to read held/; no message is held"));
        }
    }

    boolean isHeld(long id) { return held.contains(id); }

    /** Called when a pass takes {@code id} off channel {@code c}: true if it is held (then parked). */
    boolean park(long id, Channel c) {
        if (!held.contains(id)) return false;
        parked.computeIfAbsent(id, k -> EnumSet.noneOf(Channel.class)).add(c);
        return true;
    }

    /** The message is finishing (messdone): its hold goes first, before info/N. */
    void forget(long id) {
        if (!held.remove(id)) return;
        parked.remove(id);
        try {
            Files.deleteIfExists(heldDir.resolve(Long.toString(id)));
        } catch (IOException e) {
            // a stale held/N is dropped at the next start, since info/N is gone
        }
    }

    /** Answers one request: one line per message number, then ".". */
    String handle(ControlRequest r, long now) {
        StringBuilder out = new StringBuilder();
        if (r.verb() == ControlRequest.Verb.PING) {
            out.append("ok pong\n");
        } else if (r.verb() == ControlRequest.Verb.RETRYALL) {
            s.alarm(now);
            log.line("qctl: retry all\n");
            out.append("ok all\n");
        } else {
            for (long id : r.ids()) out.append(one(r.verb(), id, now)).append('\n');
        }
        return out.append(".\n").toString();
    }

    private String one(ControlRequest.Verb verb, long id, long now) {
        // On its first attempt (todo/N kept, no files): made a queued message like the others.
        if (!s.materialize(id)) return "no " + id + " not yet preprocessed, try again";
        if (!Files.exists(queue.info(id))) {
            return Files.exists(queue.todo(id)) ? "no " + id + " not yet preprocessed, try again" : "no " + id + " no such message";
        }
        if (Files.exists(queue.todo(id))) return "no " + id + " not yet preprocessed, try again";
        String result = switch (verb) {
            case HOLD -> hold(id);
            case RELEASE -> release(id);
            case DELETE -> delete(id, false, now);
            case BOUNCE -> delete(id, true, now);
            case RETRY -> retry(id, now);
            case EXPIRE -> expire(id, now);
            default -> "no " + id + " bad request";
        };
        if (result.startsWith("ok ")) log.line("qctl: " + verb.word + " msg " + id + "\n");
        return result;
    }

    private String hold(long id) {
        if (held.contains(id)) return "ok " + id + " already held";
        try {
            if (!Files.isDirectory(heldDir)) return "no " + id + " no held/ directory in the queue";
            try {
                Files.createFile(heldDir.resolve(Long.toString(id)));
            } catch (FileAlreadyExistsException e) {
                // a leftover of a crash: fine
            }
            Fsync.dir(heldDir);
        } catch (IOException e) {
            return "no " + id + " unable to create held/" + id;
        }
        held.add(id);
        return "ok " + id + " held";
    }

    private String release(long id) {
        if (!held.contains(id)) return "ok " + id + " not held";
        try {
            Files.deleteIfExists(heldDir.resolve(Long.toString(id)));
            Fsync.dir(heldDir);
        } catch (IOException e) {
            return "no " + id + " unable to remove held/" + id;
        }
        unpark(id, -1);
        return "ok " + id + " released";
    }

    /** Drops the hold in memory and requeues the parked channels: at their next retry, or at {@code at} if not -1. */
    private void unpark(long id, long at) {
        held.remove(id);
        EnumSet<Channel> chans = parked.remove(id);
        if (chans == null) return;
        for (Channel c : chans) {
            long dt = at;
            if (dt < 0) {
                try {
                    dt = Files.getLastModifiedTime(s.chanFile(id, c)).toMillis() / 1000;
                } catch (IOException e) {
                    dt = Scheduler.now(); // gone or unreadable: the job sorts it out now
                }
            }
            s.prioq(c).add(dt, id);
        }
    }

    private String delete(long id, boolean bounce, long now) {
        if (held.contains(id)) {
            try {
                Files.deleteIfExists(heldDir.resolve(Long.toString(id)));
            } catch (IOException e) {
                return "no " + id + " unable to remove held/" + id;
            }
            unpark(id, now);
        }
        int count = 0;
        for (Channel c : Channel.values()) {
            Path f = s.chanFile(id, c);
            List<RecipientFile.Entry> entries;
            try {
                entries = RecipientFile.decode(Files.readAllBytes(f));
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                return "no " + id + " trouble reading " + Todo.name(c.word, id);
            }
            for (RecipientFile.Entry r : entries) {
                if (r.done()) continue;
                if (bounce && !s.addBounce(id, r.address(), DELETED)) return "no " + id + " unable to append to bounce/" + id;
                try {
                    RecipientFile.markDone(f, r.offset());
                } catch (IOException e) {
                    return "no " + id + " trouble marking " + Todo.name(c.word, id);
                }
                count++;
            }
        }
        for (Job j : s.openJobs(id)) {
            j.cancelled = true;
            j.rush = true;
        }
        s.dueNow(id, now);
        return "ok " + id + " deleted " + count + (count == 1 ? " recipient" : " recipients") + (bounce ? ", bounced" : "");
    }

    private String retry(long id, long now) {
        if (held.contains(id)) return "no " + id + " held; release it first";
        boolean queued = s.dueNow(id, now);
        boolean busy = false;
        for (Job j : s.openJobs(id)) {
            j.rush = true;
            busy = true;
        }
        if (!queued && !busy) return "ok " + id + " nothing left to try";
        return "ok " + id + (busy ? " in delivery now" : " due now");
    }

    private String expire(long id, long now) {
        if (held.contains(id)) return "no " + id + " held; release it first";
        long birth = now - s.queuelifetime() - 1;
        try {
            Files.setLastModifiedTime(queue.info(id), FileTime.fromMillis(birth * 1000));
        } catch (IOException e) {
            return "no " + id + " unable to utime " + Todo.name("info", id);
        }
        for (Job j : s.openJobs(id)) j.dying = true;
        String r = retry(id, now);
        return r.startsWith("ok ") ? "ok " + id + " expired" : r;
    }
}
