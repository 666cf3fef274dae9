package org.qmailj.splogger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.sys.Chdir;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Lock;
import org.qmailj.common.sys.Spawn;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.tai.Tai64n;

/**
 * One automatically rotated log directory of multilog(8).
 *
 * <p>Files: {@code lock} (flock held while we run), {@code current} (mode 644 while written,
 * 744 once complete), old logs {@code @<tai64n>.s} (complete) and {@code @<tai64n>.u}
 * (possibly truncated by an outage), {@code state}/{@code newstate} and
 * {@code previous}/{@code processed} for a processor. Every step of a rotation leaves the
 * directory in a state from which {@link #restart} recovers without losing or duplicating
 * anything that reached the files: a file is linked to its new name before the old name is
 * removed, and an old name with a second link is removed without linking again.
 *
 * <p>Disk trouble is retried every 5 seconds with a warning, as daemontools does.
 * Threads: used by one thread at a time (multilog serialises on its lock).
 */
final class Cyclog {
    private static final Set<PosixFilePermission> MODE_644 = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> MODE_744 = PosixFilePermissions.fromString("rwxr--r--");
    private static final int PENDING = 1 << 16;

    private final String name;
    private final Path dir;
    private final long size;
    private final int num;
    private final String processor;
    private final byte[] pending = new byte[PENDING];
    private int pendingLen;
    private FileChannel current;
    /** The directory's flock, held while we run; released only by {@link #release}. */
    private Lock lock;
    /** Bytes in current, including those still pending. */
    private long bytes;
    boolean selected;

    Cyclog(String name, Path dir, long size, int num, String processor) {
        this.name = name;
        this.dir = dir;
        this.size = size;
        this.num = num;
        this.processor = processor;
    }

    /** Opens the directory as multilog starts: lock, then recover from whatever was left. */
    void restart() throws Multilog.Fatal {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            // exists, or the next step says why not
        }
        if (!Files.isDirectory(dir)) {
            throw new Multilog.Fatal("unable to open directory " + name + ": "
                    + (Files.exists(dir) ? "not a directory" : "file does not exist"));
        }
        try {
            lock = Lock.tryExclusive(dir.resolve("lock")).orElse(null);
            if (lock == null) {
                throw new Multilog.Fatal("unable to lock directory " + name + ": temporary failure");
            }
        } catch (SysException e) {
            throw new Multilog.Fatal("unable to lock directory " + name + ": " + ErrorStr.of(e));
        }
        try {
            recover();
        } catch (Multilog.Fatal e) {
            release();
            throw e;
        }
    }

    /**
     * Gives the directory up (its current, its lock) without completing anything: for a
     * multilogs group whose script failed to open a later file, which is tried again whole.
     */
    void release() {
        try {
            if (current != null) current.close();
        } catch (IOException e) {
            // nothing was written through it that a close could lose
        }
        try {
            if (lock != null) lock.close();
        } catch (IOException e) {
            // the descriptor is gone either way, and the lock with it
        }
        current = null;
        lock = null;
    }

    /** Recovery from whatever the last run left, as multilog does at start; then current is open. */
    private void recover() throws Multilog.Fatal {
        Path cur = dir.resolve("current");
        try {
            // A current with mode 744 was finished cleanly at end of input: continue it.
            int mode = mode(cur);
            if (mode >= 0 && (mode & 0100) != 0) {
                current = openCurrent();
                bytes = current.size();
                return;
            }
            Files.deleteIfExists(dir.resolve("state"));
            Files.deleteIfExists(dir.resolve("newstate"));
            int processed = mode(dir.resolve("processed"));
            if (processed >= 0 && (processed & 0100) != 0) {
                Files.deleteIfExists(dir.resolve("previous"));
                finish("processed", 's');
            } else {
                Files.deleteIfExists(dir.resolve("processed"));
                finish("previous", 'u');
            }
            finish("current", 'u');
            Files.write(dir.resolve("state"), new byte[0]);
            current = openCurrent();
            bytes = 0;
        } catch (IOException e) {
            throw new Multilog.Fatal("unable to set up " + name + ": " + ErrorStr.of(e));
        }
    }

    /** Unix mode bits of a file, -1 if it does not exist. */
    private static int mode(Path p) throws IOException {
        try {
            return (Integer) Files.getAttribute(p, "unix:mode");
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    private FileChannel openCurrent() throws IOException {
        Path cur = dir.resolve("current");
        FileChannel ch = FileChannel.open(cur, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.setPosixFilePermissions(cur, MODE_644);
        return ch;
    }

    /**
     * Appends part of a line. current is big enough when it has {@code size} bytes, or when a
     * newline ends within 2000 bytes of that; then it is rotated.
     */
    void append(byte[] b, int off, int len) {
        while (len > 0) {
            if (bytes >= size) {
                fullcurrent();
            }
            int n = (int) Math.min(len, size - bytes);
            long zone = size - 2000;
            if (bytes + n >= zone) {
                int from = off + (int) Math.max(0, zone - bytes - 1);
                for (int p = from; p < off + n; p++) {
                    if (b[p] == '\n') {
                        n = p - off + 1;
                        put(b, off, n);
                        bytes += n;
                        off += n;
                        len -= n;
                        fullcurrent();
                        n = 0;
                        break;
                    }
                }
                if (n == 0) {
                    continue;
                }
            }
            put(b, off, n);
            bytes += n;
            off += n;
            len -= n;
        }
    }

    private void put(byte[] b, int off, int n) {
        while (n > 0) {
            if (pendingLen == PENDING) {
                flush();
            }
            int k = Math.min(n, PENDING - pendingLen);
            System.arraycopy(b, off, pending, pendingLen, k);
            pendingLen += k;
            off += k;
            n -= k;
        }
    }

    /** Writes what is pending to current (done before multilog reads more input). */
    void flush() {
        while (pendingLen > 0) {
            try {
                ByteBuffer bb = ByteBuffer.wrap(pending, 0, pendingLen);
                while (bb.hasRemaining()) {
                    current.write(bb);
                }
                pendingLen = 0;
            } catch (IOException e) {
                pause("unable to write to " + name + "/current, pausing: ", e);
            }
        }
    }

    boolean nonEmpty() {
        return bytes > 0;
    }

    /** End of input: current safely on disk, mode 744. */
    void quit() {
        flush();
        retry("unable to write " + name + "/current to disk, pausing: ", () -> current.force(true));
        retry("unable to set mode of " + name + "/current, pausing: ",
                () -> Files.setPosixFilePermissions(dir.resolve("current"), MODE_744));
    }

    /** Rotates current: to previous, through the processor if any, then to an old log. */
    void fullcurrent() {
        flush();
        retry("unable to write " + name + "/current to disk, pausing: ", () -> current.force(true));
        try {
            current.close();
        } catch (IOException e) {
            // written and synced already
        }
        retry("unable to rename current to previous in directory " + name + ", pausing: ",
                () -> Files.move(dir.resolve("current"), dir.resolve("previous"), StandardCopyOption.ATOMIC_MOVE));
        while (true) {
            try {
                current = openCurrent();
                break;
            } catch (IOException e) {
                pause("unable to create " + name + "/current, pausing: ", e);
            }
        }
        bytes = 0;
        retry("unable to set mode of " + name + "/previous, pausing: ",
                () -> Files.setPosixFilePermissions(dir.resolve("previous"), MODE_744));
        if (processor == null) {
            finish("previous", 's');
            return;
        }
        runProcessor();
        retry("unable to create " + name + "/processed, pausing: ", () -> {
            try (FileChannel p = FileChannel.open(dir.resolve("processed"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                p.force(true);
            }
            Files.setPosixFilePermissions(dir.resolve("processed"), MODE_744);
        });
        retry("unable to create " + name + "/newstate, pausing: ", () -> {
            try (FileChannel p = FileChannel.open(dir.resolve("newstate"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                p.force(true);
            }
        });
        retry("unable to remove " + name + "/previous, pausing: ", () -> Files.delete(dir.resolve("previous")));
        retry("unable to rename newstate to state in directory " + name + ", pausing: ",
                () -> Files.move(dir.resolve("newstate"), dir.resolve("state"), StandardCopyOption.ATOMIC_MOVE));
        finish("processed", 's');
    }

    /**
     * Runs {@code sh -c processor} in the directory with previous on fd 0, processed on fd 1,
     * state on fd 4 and newstate on fd 5, until it exits 0.
     */
    private void runProcessor() {
        while (true) {
            try {
                Chdir.to(dir);
                long pid = Spawn.spawn("/bin/sh", List.of("sh", "-c", processor), Multilog.environment(), List.of(
                        new Spawn.FdAction.Open(0, dir.resolve("previous"), Fd.O_RDONLY, 0),
                        new Spawn.FdAction.Open(1, dir.resolve("processed"), Fd.O_WRONLY | Fd.O_CREAT | Fd.O_TRUNC, 0644),
                        new Spawn.FdAction.Open(4, dir.resolve("state"), Fd.O_RDONLY, 0),
                        new Spawn.FdAction.Open(5, dir.resolve("newstate"), Fd.O_WRONLY | Fd.O_CREAT | Fd.O_TRUNC, 0644)));
                Spawn.WaitStatus w = Spawn.waitpid(pid);
                if (w.exited() && w.exitCode() == 0) {
                    return;
                }
                Multilog.warn(w.signaled() ? "processor crashed in " + name + ", pausing"
                        : "processor failed in " + name + ", pausing");
                Multilog.sleep5();
            } catch (SysException e) {
                pause("unable to run " + processor + " in " + name + ", pausing: ", e);
            }
        }
    }

    /**
     * Turns {@code file} into an old log {@code @<now>.<code>} (unless it already has a second
     * link: an earlier run was interrupted after linking), removes the name, then removes the
     * oldest old logs until fewer than {@code num} remain.
     */
    private void finish(String file, char code) {
        Path f = dir.resolve(file);
        long nlink;
        while (true) {
            try {
                nlink = ((Number) Files.getAttribute(f, "unix:nlink")).longValue();
                break;
            } catch (NoSuchFileException e) {
                return;
            } catch (IOException e) {
                pause("unable to stat " + name + "/" + file + ", pausing: ", e);
            }
        }
        if (nlink == 1) {
            while (true) {
                String stamp = "@" + Tai64n.now().hex() + "." + code;
                try {
                    Files.createLink(dir.resolve(stamp), f);
                    break;
                } catch (FileAlreadyExistsException e) {
                    // same microsecond as the previous old log: take the next stamp
                } catch (IOException e) {
                    pause("unable to link to " + name + "/" + stamp + ", pausing: ", e);
                }
            }
        }
        retry("unable to remove " + name + "/" + file + ", pausing: ", () -> Files.delete(f));
        while (true) {
            try {
                if (filesFit()) {
                    return;
                }
            } catch (IOException e) {
                pause("unable to read " + name + ", pausing: ", e);
            }
        }
    }

    /** True if fewer than num old logs exist; otherwise removes the oldest one and says false. */
    private boolean filesFit() throws IOException {
        int count = 0;
        String oldest = null;
        Path oldestPath = null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.length() >= 25 && n.charAt(0) == '@') {
                    count++;
                    String key = n.substring(0, 25);
                    if (oldest == null || key.compareTo(oldest) < 0) {
                        oldest = key;
                        oldestPath = p;
                    }
                }
            }
        }
        if (count < num) {
            return true;
        }
        Files.deleteIfExists(oldestPath);
        return false;
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void retry(String what, IoAction action) {
        while (true) {
            try {
                action.run();
                return;
            } catch (IOException e) {
                pause(what, e);
            }
        }
    }

    private static void pause(String what, IOException e) {
        Multilog.warn(what + ErrorStr.of(e));
        Multilog.sleep5();
    }
}
