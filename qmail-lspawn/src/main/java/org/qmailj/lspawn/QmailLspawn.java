package org.qmailj.lspawn;

import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Phaser;
import org.qmailj.common.Exit;
import org.qmailj.common.FailFast;
import org.qmailj.common.Privileges;
import org.qmailj.common.QmailHome;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.spawn.DeliverySlots;
import org.qmailj.common.spawn.SpawnCheck;
import org.qmailj.common.spawn.SpawnProtocol;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.users.LocalUsers;
import org.qmailj.common.users.LookupFailure;
import org.qmailj.common.users.Nughde;
import org.qmailj.local.Delivery;
import org.qmailj.local.LocalExit;
import org.qmailj.local.LocalRequest;
import org.qmailj.local.MessageFile;
import org.qmailj.local.Report;

/**
 * qmail-lspawn - schedule local deliveries (qmail-lspawn(8)). {@code qmail-lspawn
 * defaultdelivery} reads delivery commands on fd 0 and writes results on fd 1
 * ({@link SpawnProtocol}, announcing the two-byte delivery numbers of its wide hello with
 * {@link #CONCURRENCY}); each delivery runs on its own platform thread.
 *
 * <p>For each recipient it finds the user in charge ({@link LocalUsers}, shared with
 * qmail-smtpd's recipient check): users/cdb, else qmail-getpw's rules, or, in a sandbox
 * install (lib/ids gives every qmail user the same uid), the sandbox user, so every address
 * follows that home's .qmail or the defaultdelivery. The empty local part is a trash address
 * (K, nothing delivered). Deliveries never run as root. A delivery for this process's own
 * (nonzero) uid runs in-process; any other runs in that user's warm worker
 * ({@link WorkerPool}), which needs this process to be root.
 *
 * <p>Configuration: control/lspawnworkers (most workers at once, default 120),
 * control/lspawnidle (seconds before an idle worker stops, default 300).
 */
public final class QmailLspawn {
    /** The default of control/lspawnworkers (qmail's conf-spawn). */
    static final int DEFAULT_WORKERS = 120;

    /**
     * The most deliveries at once announced in the hello: how many concurrent delivery
     * commands lspawn accepts (qmail-send's concurrencylocal is capped by it). Independent of
     * the worker pool bound (control/lspawnworkers): deliveries beyond it wait for a worker.
     */
    static final int CONCURRENCY = 65535;

    /** The protocol spoken on fds 0 and 1: the wide hello, two-byte delivery numbers. */
    static final SpawnProtocol PROTOCOL = SpawnProtocol.wide(CONCURRENCY);

    private final QmailHome home;
    private final String defaultDelivery;
    private final OutputStream out;
    private final WorkerPool pool;
    private final UserCache users;
    /** This process's ids: they never change, so they are not asked of the kernel per delivery. */
    private final int uid = Proc.getuid();
    private final int gid = Proc.getgid();
    private final SpawnCheck check;
    private final DeliverySlots slots = new DeliverySlots();

    QmailLspawn(QmailHome home, String defaultDelivery, OutputStream out, WorkerPool pool, boolean sandbox,
            SpawnCheck check) {
        this.home = home;
        this.defaultDelivery = defaultDelivery;
        this.out = out;
        this.pool = pool;
        this.users = new UserCache(new LocalUsers(home, sandbox, true), Path.of("/etc/passwd"));
        this.check = check;
    }

    public static void main(String[] args) {
        FailFast.install("qmail-lspawn");
        Privileges.become("qmail-lspawn", Privileges.Role.ROOT);
        if (args.length != 1) {
            System.err.println("qmail-lspawn: usage: qmail-lspawn defaultdelivery");
            Exit.now(100);
        }
        QmailHome home = QmailHome.current();
        int max;
        long idle;
        try {
            max = (int) home.control().integer("lspawnworkers", DEFAULT_WORKERS, 1, 100000);
            idle = home.control().integer("lspawnidle", 300, 0, 86400 * 7);
        } catch (ControlException e) {
            System.err.println("qmail-lspawn: fatal: " + e.getMessage());
            Exit.now(111);
            return;
        }
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        try (SpawnCheck check = SpawnCheck.forQueue(home);
                WorkerPool pool = new WorkerPool(home, max, idle * 1000, WorkerPool.jvmOptions(home))) {
            QmailLspawn lspawn = new QmailLspawn(home, args[0], out, pool, LocalUsers.isSandbox(home), check);
            out.write(PROTOCOL.helloBytes());
            out.flush();
            lspawn.serve(new BufferedInputStream(new FileInputStream(FileDescriptor.in)));
        } catch (IOException e) {
            System.err.println("qmail-lspawn: fatal: " + e.getMessage());
            Exit.now(111);
        }
        Exit.now(0);
    }

    /**
     * Delivery threads: platform threads (a delivery blocks in native calls, which would pin a
     * virtual thread's carrier), kept for reuse, since starting one per delivery cost a
     * clone(2) and a stack's mmap/mprotect/madvise every time (strace -c).
     */
    private static final ExecutorService DELIVERIES =
            Executors.newCachedThreadPool(Thread.ofPlatform().name("delivery-", 0).daemon().factory());

    /**
     * Reads commands until end of file, then waits for the deliveries in flight. Each command
     * goes through spawn.c's checks ({@link SpawnCheck}: only a message S/N of queue/mess,
     * owned by qmailq, is opened) on this thread; a refused one is answered at once. Every
     * delivery started answers exactly once, whatever its thread throws, and frees its slot.
     */
    void serve(InputStream in) throws IOException {
        serve(in, this::handle);
    }

    /** What runs one checked delivery and gives its report ({@link #handle}; tests pass others). */
    interface Handler {
        String handle(SpawnProtocol.Command c, SpawnCheck.Message msg);
    }

    void serve(InputStream in, Handler handler) throws IOException {
        Phaser inFlight = new Phaser(1);
        while (true) {
            SpawnProtocol.Command c = PROTOCOL.readCommand(in);
            if (c == null) break;
            if (!slots.take(c.delnum())) {
                write(c.delnum(), SpawnCheck.DELNUM_IN_USE);
                continue;
            }
            SpawnCheck.Outcome checked = check.check(c);
            if (checked instanceof SpawnCheck.Refused r) {
                slots.release(c.delnum());
                write(c.delnum(), r.report());
                continue;
            }
            SpawnCheck.Message msg = (SpawnCheck.Message) checked;
            inFlight.register();
            try {
                DELIVERIES.execute(() -> {
                    String report = "ZTemporary failure in qmail-lspawn.\n";
                    try (msg) {
                        report = handler.handle(c, msg);
                    } catch (OutOfMemoryError e) {
                        report = "ZOut of memory in qmail-lspawn.\n";
                        System.err.println("qmail-lspawn: delivery " + c.delnum() + ": " + e);
                    } catch (Throwable t) {
                        System.err.println("qmail-lspawn: delivery " + c.delnum() + " failed: " + t);
                    } finally {
                        slots.release(c.delnum());
                        try {
                            write(c.delnum(), report);
                        } finally {
                            inFlight.arriveAndDeregister();
                        }
                    }
                });
            } catch (RuntimeException | Error e) {
                // No thread for it: answer now, as for any failed delivery.
                msg.close();
                slots.release(c.delnum());
                inFlight.arriveAndDeregister();
                write(c.delnum(), "ZTemporary failure in qmail-lspawn.\n");
            }
        }
        inFlight.arriveAndAwaitAdvance();
    }

    /** Writes one report whole; if qmail-send is gone, there is nobody to tell (spawn.c's okwrite). */
    private void write(int delnum, String report) {
        byte[] b = PROTOCOL.report(delnum, report);
        synchronized (out) {
            try {
                out.write(b);
                out.flush();
            } catch (IOException e) {
                // qmail-send is gone
            }
        }
    }

    /** One delivery of a message the checks opened: the report for qmail-send. */
    String handle(SpawnProtocol.Command c, SpawnCheck.Message msg) {
        String r = c.recipient();
        int at = r.lastIndexOf('@');
        String local = at < 0 ? r : r.substring(0, at);
        String domain = at < 0 ? "" : r.substring(at + 1);
        if (local.isEmpty()) return "K"; // <>: the trash address

        Nughde n;
        try {
            n = lookup(local);
        } catch (LookupFailure e) {
            return LocalExit.report(e.reason().qlx(), "");
        }
        if (n.uid() == 0) return LocalExit.report(LocalExit.ROOT.code(), "");
        LocalRequest req = new LocalRequest(n.user(), n.homedir(), local, n.dash(), n.ext(), domain,
                c.sender(), defaultDelivery, true);
        if (!n.homedir().startsWith("/")) return LocalExit.report(LocalExit.USAGE.code(), "");
        if (n.uid() == uid && n.gid() == gid) {
            Report.Buffer report = new Report.Buffer();
            int exit = new Delivery(req, MessageFile.borrow(msg.fd(), msg.size()), System.getenv(), home, report).run();
            return LocalExit.report(exit, new String(report.bytes(), StandardCharsets.ISO_8859_1));
        }
        if (uid != 0) return LocalExit.report(LocalExit.USAGE.code(), "");
        WorkerPool.Result res = pool.deliver(new WorkerPool.Key(n.uid(), n.gid()), req, msg.fd(), msg.size());
        if (res.fixedReport() != null) return res.fixedReport();
        return LocalExit.report(res.exit(), new String(res.output(), StandardCharsets.ISO_8859_1));
    }

    Nughde lookup(String local) throws LookupFailure {
        return users.lookup(local);
    }
}
