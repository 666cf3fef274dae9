package org.qmailj.common.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * What one stat says of a file: device, inode, size, modification and status-change time in
 * nanoseconds. Equal stamps mean that what was read under the first is still the file's
 * content, provided the first was {@link #trusted}: file times are coarse (a clock tick, a
 * second on some file systems), so a change in the same tick as the read could leave every
 * field as it was (git's "racy" index entries).
 *
 * @param dev the device, as the JDK's unix attribute view gives it
 * @param ino the inode number
 */
public record FileStamp(Object dev, Object ino, long size, long mtimeNanos, long ctimeNanos) {
    /** Older than this a file's times tell every later change (2 s: the coarsest file times, FAT's). */
    public static final long TRUST_AFTER_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** The stamp of {@code file} (following symbolic links), or null when it does not exist. */
    public static FileStamp of(Path file) throws IOException {
        try {
            Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
            return new FileStamp(a.get("dev"), a.get("ino"), (Long) a.get("size"),
                    nanos(a.get("lastModifiedTime")), nanos(a.get("ctime")));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static long nanos(Object t) {
        return ((FileTime) t).to(TimeUnit.NANOSECONDS);
    }

    /**
     * Whether any later change of the file would surely give another stamp, this one having
     * been taken after {@code nowMillis} (System.currentTimeMillis(), read before the stat).
     */
    public boolean trusted(long nowMillis) {
        return nowMillis * 1_000_000L - ctimeNanos >= TRUST_AFTER_NANOS;
    }

    // equals and hashCode by hand: a record's generated ones are bootstrapped through
    // ObjectMethods at the first call, which spins method handles and hidden classes the AOT
    // cache does not keep: 12 ms of every qmail-inject and sendmail call, which read control/me.
    @Override
    public boolean equals(Object o) {
        return o instanceof FileStamp f && size == f.size && mtimeNanos == f.mtimeNanos && ctimeNanos == f.ctimeNanos
                && Objects.equals(dev, f.dev) && Objects.equals(ino, f.ino);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dev, ino, size, mtimeNanos, ctimeNanos);
    }
}
