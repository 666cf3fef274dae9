package org.qmailj.send;

import java.util.List;
import org.qmailj.common.queue.RecipientFile;

/**
 * What the todo thread just wrote for a message (info/N's sender, its birth, the recipients of
 * local/N and remote/N as written), handed to the scheduler with {@link Event.Preprocessed}, so
 * that the scheduler does not read or stat those files again for a message it was told about.
 * After a restart there is none: messages are rebuilt from the files, as in qmail.
 *
 * <p>Valid only while the files are exactly as written, so the scheduler drops it (and goes
 * back to the files) as soon as anything else writes them: a deferral (DONE marks, a new
 * mtime), a qmail-qctl action (DONE marks, a new birth). The data is immutable and crosses
 * threads through the event queue; the flags below belong to the scheduler thread.
 */
final class Fresh {
    final String sender;
    /**
     * When info/N was written, in seconds: info/N's mtime to the second, or one second more
     * (the kernel stamps files from a coarser clock); it only feeds the retry schedule and
     * queuelifetime.
     */
    final long birth;
    private final List<RecipientFile.Entry> local;
    private final List<RecipientFile.Entry> remote;
    /** Scheduler thread: the channel's recipients were handed to a job (read from the file after that). */
    private boolean localTaken, remoteTaken;
    /** Scheduler thread: local/N, remote/N are still there (the scheduler alone unlinks them). */
    private boolean localFile, remoteFile;
    /**
     * Scheduler thread: bounce/N may exist (the scheduler's addBounce wrote to it). Otherwise
     * it does not, so messdone need not look: bounce/N is written only by the scheduler, for a
     * message whose todo/N is gone; this message's todo/N was there when the scheduler heard of
     * it (and goes, Todo.materialize, before its first bounce paragraph), and an earlier message
     * with the same number removed its bounce/N before its info/N and mess/N (messdone's order,
     * and C qmail's).
     */
    boolean bounce;

    /** {@code local}/{@code remote}: the recipients written to local/N, remote/N; null if none was written. */
    Fresh(String sender, long birth, List<RecipientFile.Entry> local, List<RecipientFile.Entry> remote) {
        this.sender = sender;
        this.birth = birth;
        this.local = local;
        this.remote = remote;
        this.localFile = local != null;
        this.remoteFile = remote != null;
    }

    boolean has(Channel c) {
        return c == Channel.LOCAL ? localFile : remoteFile;
    }

    /** The channel's recipients as written, the first time only; null after (or if no file). */
    List<RecipientFile.Entry> take(Channel c) {
        if (c == Channel.LOCAL) {
            if (localTaken) return null;
            localTaken = true;
            return local;
        }
        if (remoteTaken) return null;
        remoteTaken = true;
        return remote;
    }

    /** The scheduler unlinked the channel's file. */
    void unlinked(Channel c) {
        if (c == Channel.LOCAL) localFile = false;
        else remoteFile = false;
    }
}
