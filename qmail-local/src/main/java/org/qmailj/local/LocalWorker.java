package org.qmailj.local;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.Prot;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.sys.Umask;
import org.qmailj.common.sys.UnixSeqpacket;

/**
 * A warm qmail-local for one user: {@code LocalWorker UID GID}, started by qmail-lspawn (as
 * root) with a request socket on fd 0 (each request brings the open message) and a response
 * pipe on fd 1 ({@link WorkerProtocol}). The message is read through that descriptor with
 * pread, streamed to its destinations, never held whole.
 *
 * <p>Its first act, before it opens any file but its own class path (every class of
 * qmail-local and qmail-common is loaded first, see {@link Preload}), is to drop to GID (as the only group: no
 * supplementary groups, as qmail-lspawn) and UID; it refuses UID 0 (exit 102, "Not allowed
 * to perform deliveries as root.") and exits 112 if the drop fails. Then each request runs
 * {@link Delivery} on a platform thread of its own, from a pool (deliveries block in waitpid and pipe reads);
 * responses are written whole under a lock.
 */
public final class LocalWorker {
    private LocalWorker() {
    }

    /**
     * Delivery threads, kept for reuse as in qmail-lspawn: a new platform thread per delivery
     * cost a clone(2) and a stack's mmap/mprotect/madvise each time.
     */
    private static final java.util.concurrent.ExecutorService DELIVERIES = java.util.concurrent.Executors.newCachedThreadPool(
            Thread.ofPlatform().name("delivery-", 0).factory());

    public static void main(String[] args) {
        // Drop privileges first.
        if (args.length != 2) Exit.now(LocalExit.USAGE.code());
        int uid;
        int gid;
        try {
            uid = Integer.parseInt(args[0]);
            gid = Integer.parseInt(args[1]);
        } catch (NumberFormatException e) {
            Exit.now(LocalExit.USAGE.code());
            return;
        }
        if (uid == 0) Exit.now(LocalExit.ROOT.code());
        if (!Preload.classPathReadableBy(uid, gid)) Preload.classes(LocalWorker.class, QmailHome.class);
        try {
            if (Proc.getuid() != uid || Proc.getgid() != gid || Proc.geteuid() != uid) {
                Prot.dropTo(uid, gid);
            }
        } catch (SysException e) {
            Exit.now(LocalExit.USAGE.code());
        }
        if (Proc.getuid() == 0 || Proc.geteuid() == 0) Exit.now(LocalExit.ROOT.code());
        Umask.set(077);

        QmailHome home = QmailHome.current();
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 65536));
        AtomicInteger inFlight = new AtomicInteger();
        byte[] packet = new byte[WorkerProtocol.MAX_REQUEST];
        while (true) {
            UnixSeqpacket.Received got;
            WorkerProtocol.Request r;
            try {
                got = UnixSeqpacket.receive(0, packet);
                if (got.length() == 0) {
                    Fd.closeQuietly(got.fd());
                    break;
                }
                if (got.truncated() || got.fd() < 0) throw new IOException("bad worker request packet");
                r = WorkerProtocol.decode(packet, got.length());
            } catch (IOException e) {
                // qmail-lspawn broke the protocol or went away: nothing sensible is left to do.
                Exit.now(LocalExit.SOFT.code());
                return;
            }
            MessageFile msg = MessageFile.of(got.fd(), r.size());
            inFlight.incrementAndGet();
            DELIVERIES.execute(() -> {
                Report.Buffer report = new Report.Buffer();
                int exit;
                try (msg) {
                    exit = new Delivery(r.request(), msg, System.getenv(), home, report).run();
                } catch (Throwable t) {
                    report.err("Temporary failure in qmail-local worker: " + t + ". (#4.3.0)");
                    exit = LocalExit.SOFT.code();
                }
                try {
                    synchronized (out) {
                        WorkerProtocol.write(out, new WorkerProtocol.Response(r.id(), exit, report.bytes()));
                    }
                } catch (IOException e) {
                    Exit.now(LocalExit.SOFT.code()); // lspawn is gone
                } finally {
                    synchronized (inFlight) {
                        inFlight.decrementAndGet();
                        inFlight.notifyAll();
                    }
                }
            });
        }
        synchronized (inFlight) {
            while (inFlight.get() > 0) {
                try {
                    inFlight.wait();
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        Exit.now(0);
    }
}
