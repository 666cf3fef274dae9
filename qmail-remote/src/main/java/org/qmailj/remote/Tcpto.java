package org.qmailj.remote;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Lock;

/**
 * qmail-remote's TCP timeout table, {@code queue/lock/tcpto} (qmail-tcpto(8)): after a
 * connection attempt to an address times out the address is recorded; if it times out again
 * at least two minutes later with no successful connection in between, qmail-remote skips it
 * for about an hour ({@code (60 + (pid & 31)) << 6} seconds).
 *
 * <p>Format (the C qmail one, so qmail-tcpto/qmail-tcpok of either suite read it): up to
 * 1024 bytes, 64 records of 16 bytes: bytes 0-3 the IPv4 address, byte 4 the number of
 * recent timeouts (0 = free slot, at most 10), bytes 8-11 the time of the last recorded
 * timeout, unsigned 32-bit little-endian seconds since the epoch; the rest zero. Updates are
 * made under flock(2) on the file, as qmail's lock_ex. IPv6 addresses have no room in this
 * format and are not recorded.
 *
 * <p>Threads: any. Within the JVM the deliveries take turns on a lock first, so at most one
 * thread waits in flock (which pins its carrier) and only on another process.
 */
public final class Tcpto {
    public static final int SIZE = 1024;
    private static final ReentrantLock JVM = new ReentrantLock();

    private final Path file;
    private final long pid = ProcessHandle.current().pid();

    public Tcpto(Path file) {
        this.file = file;
    }

    /** What {@link #check} found: skip the address now; the address was in the table. */
    public record Check(boolean skip, boolean wasThere) {
    }

    private static final Check ABSENT = new Check(false, false);

    /** qmail's tcpto(): should qmail-remote skip {@code ip} now? */
    public Check check(InetAddress ip) {
        if (!(ip instanceof Inet4Address)) return ABSENT;
        byte[] buf = read();
        if (buf == null) return ABSENT;
        byte[] a = ip.getAddress();
        for (int pos = 0; pos + 16 <= buf.length; pos += 16) {
            if (Arrays.equals(buf, pos, pos + 4, a, 0, 4)) {
                if (buf[pos + 4] >= 2) {
                    long d = now() - when(buf, pos);
                    if (d >= 0 && d < ((60 + (pid & 31)) << 6)) return new Check(true, true);
                }
                return new Check(false, true);
            }
        }
        return ABSENT;
    }

    /**
     * qmail's tcpto_err(): records the outcome of a connection attempt to {@code ip}:
     * {@code timedOut} true for a timeout, false for a success (which clears the entry).
     */
    public void record(InetAddress ip, boolean timedOut, Check before) {
        if (!(ip instanceof Inet4Address)) return;
        if (!timedOut && !before.wasThere()) return;
        JVM.lock();
        try {
            if (!Files.exists(file)) return;
            int lockFd;
            try {
                lockFd = Fd.open(file, Fd.O_WRONLY, 0);
            } catch (IOException e) {
                return;
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                Lock.lockEx(lockFd);
                update(ch, ip.getAddress(), timedOut);
            } catch (IOException e) {
                // qmail ignores a table it cannot use
            } finally {
                try {
                    Fd.close(lockFd);
                } catch (IOException e) {
                    // nothing to do
                }
            }
        } finally {
            JVM.unlock();
        }
    }

    private void update(FileChannel ch, byte[] a, boolean timedOut) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(SIZE);
        while (bb.hasRemaining() && ch.read(bb, bb.position()) > 0) {
            // read up to SIZE bytes
        }
        int n = bb.position() >> 4;
        if (n == 0) return;
        byte[] buf = bb.array();
        for (int i = 0; i < n; i++) {
            int pos = i << 4;
            if (Arrays.equals(buf, pos, pos + 4, a, 0, 4)) {
                if (!timedOut) {
                    buf[pos + 4] = 0;
                } else {
                    long now = now();
                    if (buf[pos + 4] != 0 && now < 120 + when(buf, pos)) return;
                    if (++buf[pos + 4] > 10) buf[pos + 4] = 10;
                    putWhen(buf, pos, now);
                }
                ch.write(ByteBuffer.wrap(buf, pos, 16), pos);
                return;
            }
        }
        if (!timedOut) return;
        int slot = -1;
        for (int i = 0; i < n; i++) {
            if (buf[(i << 4) + 4] == 0) {
                slot = i;
                break;
            }
        }
        if (slot < 0) {
            // Full: replace the entry whose last timeout, plus 1024 s per recent timeout, is oldest.
            long firstWhen = 0;
            for (int i = 0; i < n; i++) {
                long w = when(buf, i << 4) + (buf[(i << 4) + 4] << 10);
                if (slot < 0 || w < firstWhen) {
                    slot = i;
                    firstWhen = w;
                }
            }
        }
        int pos = slot << 4;
        System.arraycopy(a, 0, buf, pos, 4);
        putWhen(buf, pos, now());
        buf[pos + 4] = 1;
        ch.write(ByteBuffer.wrap(buf, pos, 16), pos);
    }

    /** The table's bytes read under the lock (at most 1024), or null when it cannot be read. */
    private byte[] read() {
        JVM.lock();
        try {
            if (!Files.exists(file)) return null;
            int lockFd = Fd.open(file, Fd.O_WRONLY, 0);
            try {
                Lock.lockEx(lockFd);
                return readPrefix(file);
            } finally {
                Fd.close(lockFd);
            }
        } catch (IOException e) {
            return null;
        } finally {
            JVM.unlock();
        }
    }

    static byte[] readPrefix(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return in.readNBytes(SIZE);
        }
    }

    static long when(byte[] b, int pos) {
        return (b[pos + 8] & 0xffL) | (b[pos + 9] & 0xffL) << 8 | (b[pos + 10] & 0xffL) << 16 | (b[pos + 11] & 0xffL) << 24;
    }

    private static void putWhen(byte[] b, int pos, long when) {
        b[pos + 8] = (byte) when;
        b[pos + 9] = (byte) (when >> 8);
        b[pos + 10] = (byte) (when >> 16);
        b[pos + 11] = (byte) (when >> 24);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** qmail-rspawn's tcpto_clean: 1024 zero bytes, written from the start (no lock). */
    public static void clear(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            zero(ch);
        }
    }

    private static void zero(FileChannel ch) throws IOException {
        ByteBuffer z = ByteBuffer.allocate(SIZE);
        while (z.hasRemaining()) ch.write(z, z.position());
    }

    /** The steps of qmail-tcpto and qmail-tcpok, each failing with its own message. */
    enum Step { OPEN, LOCK, READ, WRITE }

    /** A failed step and its cause. */
    static final class StepException extends IOException {
        final Step step;

        StepException(Step step, IOException cause) {
            super(cause.getMessage(), cause);
            this.step = step;
        }
    }

    /** qmail-tcpok: under the lock, 1024 zero bytes from the start. */
    static void clearLocked(Path file) throws StepException {
        underLock(file, Step.WRITE, () -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                zero(ch);
            }
            return null;
        });
    }

    /** qmail-tcpto: the table's bytes, read under the lock. */
    static byte[] readLocked(Path file) throws StepException {
        return underLock(file, Step.READ, () -> readPrefix(file));
    }

    private interface LockedBody<T> {
        T run() throws IOException;
    }

    /** Opens the table, takes its lock, runs {@code body} (a failure there is {@code step}), closes. */
    private static <T> T underLock(Path file, Step step, LockedBody<T> body) throws StepException {
        int fd;
        try {
            fd = Fd.open(file, Fd.O_WRONLY, 0);
        } catch (IOException e) {
            throw new StepException(Step.OPEN, e);
        }
        try {
            try {
                Lock.lockEx(fd);
            } catch (IOException e) {
                throw new StepException(Step.LOCK, e);
            }
            try {
                return body.run();
            } catch (IOException e) {
                throw new StepException(step, e);
            }
        } finally {
            try {
                Fd.close(fd);
            } catch (IOException e) {
                // the lock goes with it
            }
        }
    }
}
