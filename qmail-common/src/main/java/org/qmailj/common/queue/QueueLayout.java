package org.qmailj.common.queue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The directories and file names of a qmail queue (INTERNALS.md section 2, FORMATS.md).
 *
 * <p>A message is named by the inode number N of the file holding it. {@code mess/},
 * {@code info/}, {@code local/} and {@code remote/} are split into {@link #SPLIT} subdirectories
 * ({@code DIR/(N mod 23)/N}); {@code todo/}, {@code intd/} and {@code bounce/} are flat, as in
 * netqmail built with the default conf-split and without big-todo. Immutable.
 */
public record QueueLayout(Path root) {

    /** conf-split of netqmail. A queue made by a C qmail with another split is not readable here. */
    public static final int SPLIT = 23;

    /** Who owns a queue directory in a root install (INSTALL.ids.md, FORMATS.md). */
    public enum Owner { QMAILQ, QMAILS }

    /** One directory of the queue, with its owner and mode as netqmail's install makes them. */
    public record Dir(String name, boolean split, Owner owner, int mode) {}

    /** Every directory, parents first, as qmail's install creates them. */
    public static final List<Dir> DIRS = List.of(
            new Dir("", false, Owner.QMAILQ, 0750),
            new Dir("lock", false, Owner.QMAILQ, 0750),
            new Dir("pid", false, Owner.QMAILQ, 0700),
            new Dir("mess", true, Owner.QMAILQ, 0750),
            new Dir("intd", false, Owner.QMAILQ, 0700),
            new Dir("todo", false, Owner.QMAILQ, 0750),
            new Dir("info", true, Owner.QMAILS, 0700),
            new Dir("local", true, Owner.QMAILS, 0700),
            new Dir("remote", true, Owner.QMAILS, 0700),
            new Dir("bounce", false, Owner.QMAILS, 0700));

    public static int split(long n) {
        return (int) Long.remainderUnsigned(n, SPLIT);
    }

    public Path mess(long n) { return splitPath("mess", n); }
    public Path info(long n) { return splitPath("info", n); }
    public Path local(long n) { return splitPath("local", n); }
    public Path remote(long n) { return splitPath("remote", n); }
    public Path todo(long n) { return root.resolve("todo").resolve(Long.toString(n)); }
    public Path intd(long n) { return root.resolve("intd").resolve(Long.toString(n)); }
    public Path bounce(long n) { return root.resolve("bounce").resolve(Long.toString(n)); }

    /**
     * queue/pool/T.N.KIND: a finished message's file (KIND 'm') or envelope ('e') that
     * qmail-clean moved there at second T, for qmail-queued to write again. Not a qmail
     * directory: C qmail neither fills nor reads it.
     */
    public Path pool(long t, long n, char kind) { return root.resolve("pool").resolve(t + "." + n + "." + kind); }

    /** A pool file older than this is unlinked, not written again (the pool is for a busy queue). */
    public static final long POOL_MAX_AGE_SECONDS = 3600;

    /** T of a pool name {@code T.N.m} or {@code T.N.e}; -1 for anything else. */
    public static long pooledAt(String name) {
        int dot = name.indexOf('.');
        if (dot <= 0 || dot > 18) return -1;
        long t = 0;
        for (int i = 0; i < dot; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') return -1;
            t = t * 10 + (c - '0');
        }
        return t;
    }

    public Path dir(String name) { return root.resolve(name); }
    public Path pidDir() { return root.resolve("pid"); }
    public Path lockDir() { return root.resolve("lock"); }
    public Path trigger() { return lockDir().resolve("trigger"); }
    public Path sendmutex() { return lockDir().resolve("sendmutex"); }
    public Path tcpto() { return lockDir().resolve("tcpto"); }

    /** The {@code S/N} form qmail-send passes to the spawners: the path below mess/. */
    public static String messName(long n) {
        return split(n) + "/" + n;
    }

    /** Receives a message's file found in a queue directory: the message number and the path. */
    public interface MessageFile {
        void found(long id, Path file) throws IOException;
    }

    /**
     * Each file of the flat directory {@code dir} whose name is a message number, in directory
     * order; other names are skipped, as qmail skips them. Memory for one name at a time,
     * whatever the size of the directory.
     */
    public static void forEachMessageIn(Path dir, MessageFile f) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                long id;
                try {
                    id = Long.parseLong(p.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                f.found(id, p);
            }
        }
    }

    /**
     * {@link #forEachMessageIn} for each of the {@link #SPLIT} subdirectories of the split
     * directory {@code name} (mess, info, local, remote); a subdirectory that cannot be listed,
     * or where {@code f} fails, goes to {@code unreadable} with its index, and the walk goes on.
     */
    public void forEachMessage(String name, MessageFile f, IntConsumer unreadable) {
        for (int i = 0; i < SPLIT; i++) {
            try {
                forEachMessageIn(dir(name).resolve(Integer.toString(i)), f);
            } catch (IOException e) {
                unreadable.accept(i);
            }
        }
    }

    private Path splitPath(String dir, long n) {
        return root.resolve(dir).resolve(Integer.toString(split(n))).resolve(Long.toString(n));
    }
}
