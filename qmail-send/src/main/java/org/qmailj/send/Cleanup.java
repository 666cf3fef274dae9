package org.qmailj.send;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qmailj.clean.CleanReply;
import org.qmailj.clean.CleanRequest;
import org.qmailj.common.log.QmailLog;
import org.qmailj.common.queue.QueueLayout;

/**
 * The cleanups of INTERNALS.md section 6: a message in state S2 or S3 (mess/N, maybe intd/N,
 * but neither todo/N nor info/N) whose mess/N is more than 36 hours old is left over from a
 * crash, and qmail-clean removes intd/N and mess/N. (intd/ itself is qmailq's, mode 0700,
 * so qmail-send does not list it; qmail-clean removes stale pid/ files.) Runs shortly after start
 * and then every {@link #SLEEP_CLEANUP} seconds, on its own daemon thread; it only reads the
 * queue and talks to qmail-clean, so it shares no state with the scheduler.
 */
final class Cleanup {
    static final long SLEEP_CLEANUP = 76431;
    static final long OLDEST = 129600;

    private final QueueLayout queue;
    private final CleanClient clean;
    private final SendLog log;

    Cleanup(QueueLayout queue, CleanClient clean, SendLog log) {
        this.queue = queue;
        this.clean = clean;
        this.log = log;
    }

    void start() {
        Thread.ofPlatform().daemon().name("cleanup").start(() -> {
            try {
                Thread.sleep(10_000);
                while (true) {
                    run(Scheduler.now());
                    Thread.sleep(SLEEP_CLEANUP * 1000);
                }
            } catch (InterruptedException | IOException e) {
                // qmail-clean gone or shutting down: the scheduler handles that
            }
        });
    }

    /** One sweep; returns how many leftovers were removed. */
    int run(long now) throws IOException {
        int[] removed = {0};
        queue.forEachMessage("mess", (id, p) -> removed[0] += consider(id, p, now),
                i -> log.line(QmailLog.unableToOpendir("mess/" + i)));
        return removed[0];
    }

    private int consider(long id, Path p, long now) throws IOException {
        if (Files.exists(queue.todo(id)) || Files.exists(queue.info(id))) return 0;
        long mtime;
        try {
            mtime = Files.getLastModifiedTime(p).toMillis() / 1000;
        } catch (IOException e) {
            return 0; // gone meanwhile
        }
        if (mtime + OLDEST >= now) return 0;
        CleanRequest r = new CleanRequest(CleanRequest.Kind.FOOP, id);
        if (clean.clean(r) != CleanReply.DONE) {
            log.line(QmailLog.cleanFailed(r.name()));
            return 0;
        }
        return 1;
    }
}
