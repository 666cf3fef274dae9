package org.qmailj.send;

import java.util.List;
import org.qmailj.common.queue.RecipientFile;

/**
 * What the todo thread made of a message (info/N's sender, its birth, the recipients of
 * local/N and remote/N, and those files' bytes), handed to the scheduler with
 * {@link Event.Preprocessed}, for the message's first attempt, on which it has no info/,
 * local/, remote/ files at all (see {@link Todo}): these bytes, with the DONE marks of the
 * deliveries made so far ({@link #mark}), are what {@link Scheduler#materialize} writes if the
 * attempt does not simply succeed. Then the files exist and the scheduler drops this: from
 * there on the message is read from its files, as every message is after a restart (as in
 * qmail). The constructor's data crosses threads through the event queue; everything mutable
 * belongs to the scheduler thread.
 */
final class Fresh {
    final String sender;
    /**
     * When the todo thread preprocessed the message, in seconds; info/N gets it as its mtime
     * when it is written. It only feeds the retry schedule and queuelifetime.
     */
    final long birth;
    /** info/N's bytes. */
    final byte[] info;
    private final List<RecipientFile.Entry> local;
    private final List<RecipientFile.Entry> remote;
    /** local/N's and remote/N's bytes, DONE marks included (scheduler thread); null if none. */
    private final byte[] localBytes, remoteBytes;
    /**
     * About the bytes of the envelope (info/N's, local/N's and remote/N's); what this holds
     * in the heap grows with it (Todo's budget of messages in hand counts it).
     */
    final int weight;
    /** Scheduler thread: the channel's recipients were handed to a job (read from the file after that). */
    private boolean localTaken, remoteTaken;
    /** Scheduler thread: local/N, remote/N are still there, or still to be written (the scheduler alone unlinks them). */
    private boolean localFile, remoteFile;
    /** Scheduler thread: when the scheduler heard of it (for Todo.FIRST_ATTEMPT). */
    long since;

    /** {@code local}/{@code remote}: the recipients of local/N, remote/N and their bytes; null if none. */
    Fresh(String sender, long birth, byte[] info, List<RecipientFile.Entry> local, byte[] localBytes,
            List<RecipientFile.Entry> remote, byte[] remoteBytes) {
        this.sender = sender;
        this.birth = birth;
        this.info = info;
        this.local = local;
        this.remote = remote;
        this.localBytes = localBytes;
        this.remoteBytes = remoteBytes;
        this.weight = info.length + (localBytes == null ? 0 : localBytes.length) + (remoteBytes == null ? 0 : remoteBytes.length);
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

    /** The scheduler unlinked the channel's file (or, on the first attempt, will not write it). */
    void unlinked(Channel c) {
        if (c == Channel.LOCAL) localFile = false;
        else remoteFile = false;
    }

    /** On the first attempt: the recipient at {@code offset} is done (RecipientFile's DONE mark, in memory). */
    void mark(Channel c, long offset) {
        (c == Channel.LOCAL ? localBytes : remoteBytes)[(int) offset] = 'D';
    }

    /** The channel file's bytes to write now, or null if it has none left. */
    byte[] file(Channel c) {
        if (!has(c)) return null;
        return c == Channel.LOCAL ? localBytes : remoteBytes;
    }
}
