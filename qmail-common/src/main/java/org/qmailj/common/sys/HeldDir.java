package org.qmailj.common.sys;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A queue directory held open for its fsyncs (qmail-queued's intd/, todo/, mess/S; qmail-send's
 * info/S, local/S, remote/S): a stat and an fsync per round instead of open, fsync and close.
 * The stat checks that the path still names the directory held (device and inode): one
 * replaced meanwhile (it should not be) is reopened, so the fsync reaches the directory the
 * path names, where the entries were just made through that path, as open-per-fsync did; a
 * directory that is gone fails the fsync and is let go. Not thread-safe: one caller at a time.
 */
public final class HeldDir implements AutoCloseable {
    private final Path path;
    private FileChannel channel;
    /** {@link BasicFileAttributes#fileKey()} (device and inode) of the directory held. */
    private Object key;

    public HeldDir(Path path) {
        this.path = path;
    }

    /** fsync(2) of the directory the path names now. */
    public void fsync() throws IOException {
        try {
            Object now = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            if (channel == null || !now.equals(key)) reopen(now);
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            close(); // let go; the next round starts afresh
            throw e;
        }
    }

    /**
     * Opens the directory {@code now} names: a stat after the open that still says {@code now}
     * makes the descriptor that directory; a path that changes meanwhile is tried again.
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
