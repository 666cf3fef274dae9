package org.qmailj.send;

import java.util.List;
import org.qmailj.common.queue.RecipientFile;

/**
 * One message on one channel while its recipients are being tried: the recipients from
 * {@code local/N} or {@code remote/N}, the next one to start, and how many deliveries are
 * still out. Scheduler thread only.
 */
final class Job {
    final long id;
    final Channel channel;
    final String sender;
    /** info/N's mtime: when the message entered the queue, for retries and queuelifetime. */
    final long birth;
    /** Past queuelifetime: a temporary failure now counts as permanent. */
    boolean dying;
    final List<RecipientFile.Entry> entries;
    private int next;
    int outstanding;
    /** Some recipient is still NOT DONE after this pass: retry later. */
    boolean deferred;
    /** qmail-qctl deleted the message: start no more of its recipients. */
    boolean cancelled;
    /** qmail-qctl asked for a retry now: requeue at once when the deliveries are back. */
    boolean rush;
    /**
     * The offset of the last recipient's DONE mark when it was left unwritten because the file
     * is unlinked next (Scheduler.markDone); -1 if none.
     */
    long unmarked = -1;

    Job(long id, Channel channel, String sender, long birth, boolean dying, List<RecipientFile.Entry> entries) {
        this.id = id;
        this.channel = channel;
        this.sender = sender;
        this.birth = birth;
        this.dying = dying;
        this.entries = entries;
    }

    /** The next NOT DONE recipient, or null when the pass has reached the end of the file. */
    RecipientFile.Entry nextTodo() {
        if (cancelled) return null;
        while (next < entries.size()) {
            RecipientFile.Entry e = entries.get(next++);
            if (!e.done()) return e;
        }
        return null;
    }

    boolean hitEof() {
        if (cancelled) next = entries.size();
        for (int i = next; i < entries.size(); i++) if (!entries.get(i).done()) return false;
        next = entries.size();
        return true;
    }
}
