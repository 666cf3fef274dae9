package org.qmailj.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A queue directory (intd/, todo/, mess/S) held open for its fsyncs: a stat and an fsync per
 * round instead of open, fsync and close. The stat checks that the path still names the
 * directory held (device and inode): a directory replaced while the writer runs (it should not
 * be) is reopened, so the fsync reaches the directory the path names, as open-per-fsync did,
 * and the entries just linked by that path are the ones made durable; a directory that is gone
 * fails the fsync, and the message with it. Not thread-safe: its {@link DirSync} runs one fsync
 * at a time.
 */
final class HeldDir implements SyncRound.Sync, AutoCloseable {
    private final Path path;
    private FileChannel channel;
    /** The directory held: {@link BasicFileAttributes#fileKey()} (device and inode). */
    private Object key;

    HeldDir(Path path) {
        this.path = path;
    }

    /** fsync(2) of the directory the path names now. */
    @Override
    public void run() throws IOException {
        try {
            Object now = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            if (channel == null || !now.equals(key)) reopen(now);
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            close(); // a directory gone is let go; the next round starts afresh
            throw e;
        }
    }

    /**
     * Opens the directory {@code now} names. A stat after the open that still says {@code now}
     * makes the descriptor that directory (the path would have to change and change back
     * between the two stats otherwise); a path that changes meanwhile is tried again.
     */
    private void reopen(Object now) throws IOException {
        close();
        for (int tries = 0; ; tries++) {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
            Object after;
            try {
                after = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            if (after.equals(now)) {
                channel = ch;
                key = now;
                return;
            }
            ch.close();
            if (tries >= 8) throw new IOException(path + " keeps changing");
            now = after;
        }
    }

    @Override
    public void close() {
        FileChannel ch = channel;
        channel = null;
        key = null;
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException e) {
            // a directory opened for reading: nothing was pending
        }
    }
}
