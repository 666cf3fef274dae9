package org.qmailj.common.sys;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * fsync on a directory, so that a rename or link into it (a message moving from
 * {@code queue/todo} to {@code queue/mess}, a Maildir {@code tmp} to {@code new}) is on disk
 * before qmail reports success.
 *
 * <p>No native code: {@code FileChannel.force} on a directory opened for reading does fsync(2)
 * on Linux (not promised by the JDK's documentation, but relied on by Lucene and tested here).
 * Errors are the JDK's IOExceptions. Blocks in the kernel; the JDK compensates virtual
 * threads for file I/O.
 */
public final class Fsync {
    private Fsync() {
    }

    /** fsync(2) the directory {@code dir}. */
    public static void dir(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
