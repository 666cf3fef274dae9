package org.qmailj.local;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.qmailj.common.sys.Fsync;
import org.qmailj.common.sys.Proc;

/**
 * Delivery into a maildir (maildir(5)): create {@code tmp/UNIQUE} exclusively, write the
 * Return-Path and Delivered-To lines and the message (streamed from its descriptor, 64 KiB
 * at a time), fsync the file, link it to
 * {@code new/UNIQUE}, unlink the tmp name, fsync {@code new/}. Only after the directory fsync
 * is the delivery reported done, so it survives a power cut.
 *
 * <p>UNIQUE is {@code SECONDS.MUSECPPIDQN.HOST}: the delivery time, microseconds, the pid and
 * a per-process delivery counter (one worker JVM delivers many messages concurrently, so the
 * pid alone does not make the name unique), then the host name with {@code /} and {@code :}
 * written as {@code \057} and {@code \072}. Files are mode 0600 (qmail-local's umask 077).
 *
 * <p>Failures are temporary, with qmail's texts: "Unable to chdir to maildir. (#4.2.1)",
 * "Timeout on maildir delivery. (#4.3.0)", "Temporary error on maildir delivery. (#4.3.0)"
 * (which covers a full disk or an exceeded quota).
 */
public final class Maildir {
    private static final AtomicLong SEQ = new AtomicLong();
    private static volatile String host;

    private Maildir() {
    }

    static String host() {
        String h = host;
        if (h == null) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                h = "localhost";
            }
            h = h.replace("/", "\\057").replace(":", "\\072");
            host = h;
        }
        return h;
    }

    public static String uniqueName() {
        long now = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
        return (now / 1_000_000) + ".M" + (now % 1_000_000) + "P" + Proc.getpid() + "Q"
                + SEQ.incrementAndGet() + "." + host();
    }

    /** Delivers {@code head} then the message, streamed, into {@code dir}. */
    public static Path deliver(Path dir, byte[] head, MessageFile msg) throws LocalFailure {
        if (!Files.isDirectory(dir) || !Files.isExecutable(dir)) {
            throw LocalFailure.temp("Unable to chdir to maildir. (#4.2.1)");
        }
        Path tmp = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Path t = dir.resolve("tmp").resolve(uniqueName());
            if (!Files.exists(t, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                tmp = t;
                break;
            }
            sleep(2000);
        }
        if (tmp == null) throw LocalFailure.temp("Temporary error on maildir delivery. (#4.3.0)");
        Path target = dir.resolve("new").resolve(tmp.getFileName());
        boolean created = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------")))) {
                created = true;
                writeAll(ch, ByteBuffer.wrap(head));
                try (InputStream in = msg.open()) {
                    byte[] buf = new byte[65536];
                    int n;
                    while ((n = in.read(buf)) > 0) writeAll(ch, ByteBuffer.wrap(buf, 0, n));
                }
                ch.force(true);
            }
            Files.createLink(target, tmp);
            Files.delete(tmp);
            created = false;
            Fsync.dir(target.getParent());
            return target;
        } catch (IOException e) {
            if (created) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // leftovers in tmp/ are cleaned by mail readers after 36 hours
                }
            }
            throw LocalFailure.temp("Temporary error on maildir delivery. (#4.3.0)");
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
