package org.qmailj.queue;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * The queue writer's copy buffers, kept for the next message instead of allocated for each:
 * under SMTP load a 16 KiB message buffer and an 8 KiB envelope buffer per message were half
 * of what qmail-queued allocated (JFR, 3,000 messages at 10 sessions: 78 of 160 MB), and every
 * young collection copied the buffers of the messages in flight. Keeps at most
 * {@code capacity} buffers, the most that were in use at once; a message that finds none
 * allocates one, as before, so a burst costs what it always did and leaves at most
 * {@code capacity} buffers behind. Buffers are handed out with their old contents: users
 * track how much of one they filled. Thread-safe.
 */
final class BufferPool {
    private final int size;
    private final ArrayBlockingQueue<byte[]> free;

    BufferPool(int size, int capacity) {
        this.size = size;
        this.free = new ArrayBlockingQueue<>(capacity);
    }

    int size() { return size; }

    /** A buffer of {@link #size} bytes; {@link #give} it back when done. */
    byte[] take() {
        byte[] b = free.poll();
        return b != null ? b : new byte[size];
    }

    /** Keeps {@code b} for a later {@link #take} if there is room; a buffer of another size is dropped. */
    void give(byte[] b) {
        if (b.length == size) free.offer(b);
    }

    /** Buffers kept now. */
    int kept() { return free.size(); }
}
