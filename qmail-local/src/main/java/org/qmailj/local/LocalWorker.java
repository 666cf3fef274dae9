package org.qmailj.local;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.Prot;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.sys.Umask;

/**
 * A warm qmail-local for one user: {@code LocalWorker UID GID}, started by qmail-lspawn (as
 * root) with a request pipe on fd 0 and a response pipe on fd 1 ({@link WorkerProtocol}).
 *
 * <p>Its first act, before it opens any file but its own class path (every class of
 * qmail-local and qmail-common is loaded first, see {@link Preload}), is to drop to GID (as the only group: no
 * supplementary groups, as qmail-lspawn) and UID; it refuses UID 0 (exit 102, "Not allowed
 * to perform deliveries as root.") and exits 112 if the drop fails. Then each request runs
 * {@link Delivery} on its own platform thread (deliveries block in waitpid and pipe reads);
 * responses are written whole under a lock.
 */
public final class LocalWorker {
    private LocalWorker() {
    }

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
        DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(FileDescriptor.in), 65536));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 65536));
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        try {
            while (true) {
                WorkerProtocol.Request r = WorkerProtocol.readRequest(in);
                if (r == null) break;
                inFlight.incrementAndGet();
                Thread.ofPlatform().name("delivery-" + r.id()).start(() -> {
                    Report.Buffer report = new Report.Buffer();
                    int exit;
                    try {
                        exit = new Delivery(r.request(), r.message(), System.getenv(), home, report).run();
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
        } catch (IOException e) {
            Exit.now(LocalExit.SOFT.code());
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
