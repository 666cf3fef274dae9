package org.qmailj.send;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.qmailj.common.Exit;
import org.qmailj.common.FailFast;
import org.qmailj.common.Privileges;
import org.qmailj.common.QmailHome;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.log.QmailLog;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueClients;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Lock;
import org.qmailj.common.sys.SysException;

/**
 * qmail-send - deliver mail messages from the queue (qmail-send(8)). It uses qmail-lspawn to
 * deliver messages to local recipients and qmail-rspawn for remote ones; temporarily
 * undeliverable addresses are retried later.
 *
 * <p>Descriptors, as qmail-start arranges them: 0 the activity record (qmail-log(5)), 1 and
 * 2 commands to and reports from qmail-lspawn, 3 and 4 qmail-rspawn, 5 and 6 qmail-clean.
 * Since 1 and 2 are also the JVM's stdout and stderr, the pipes are reopened through
 * /proc/self/fd first and then fd 1 becomes /dev/null and fd 2 the log, so nothing the JVM
 * prints can reach a spawner.
 *
 * <p>Threads: the main thread is the {@link Scheduler}, owner of all queue state; one
 * {@link Todo} thread preprocesses; one reader thread per pipe ({@link Comm},
 * {@link CleanClient}); one {@link Cleanup} thread. Signals: TERM stops, ALRM retries
 * everything now, HUP rereads locals and virtualdomains.
 */
public final class QmailSend {

    /** The seven descriptors, as streams. */
    record Wiring(OutputStream log, InputStream fromLocal, OutputStream toLocal, InputStream fromRemote,
            OutputStream toRemote, InputStream fromClean, OutputStream toClean) {}

    private QmailSend() {}

    public static void main(String[] args) {
        serve(new LinkedBlockingQueue<>());
    }

    /**
     * main() with the scheduler's event queue given: a test launcher passes one that fails on
     * purpose, to check that an exception on the scheduler thread ends the process (111).
     */
    static void serve(BlockingQueue<Event> events) {
        FailFast.install("qmail-send");
        // The inherited descriptors are reopened first: after setuid the kernel makes the
        // process non-dumpable and /proc/self/fd unreadable to the new uid.
        Wiring w;
        try {
            w = fromDescriptors();
        } catch (IOException e) {
            Exit.now(Exit.SOFT);
            return;
        }
        QmailHome home = QmailHome.current();
        ControlServer control = openControl(home, new SendLog(w.log()));
        Privileges.become("qmail-send", home, Privileges.Role.QMAILS);
        installSignals(events);
        Exit.now(run(home, w, QueueClients.standard(home, System.getenv()), events, control));
    }

    /** qmail-qctl's channel; null (and a warning) when it cannot be had: mail flows without it. */
    private static ControlServer openControl(QmailHome home, SendLog log) {
        try {
            return ControlServer.open(home, new QueueLayout(home.queue())).orElse(null);
        } catch (IOException | RuntimeException e) {
            log.line(QmailLog.warning("unable to open the control socket; qmail-qctl cannot act: " + e.getMessage()));
            return null;
        }
    }

    private static InputStream buffered(String path) throws IOException {
        return new java.io.BufferedInputStream(new FileInputStream(path), 4096);
    }

    private static Wiring fromDescriptors() throws IOException {
        // Replies are read through a buffer: a report is a dozen bytes, and unbuffered each one
        // was a read(2) per byte (22 system calls per delivery, measured with strace -c).
        // 5 and 6 may be one socket to the queue writer's clean session (qmail-start's
        // choice): a socket cannot be reopened through /proc, so it is used as it is.
        boolean cleanSocket = Fd.stat(5).isSocket() && Fd.stat(6).isSocket();
        Wiring w = new Wiring(new FileOutputStream("/proc/self/fd/0", true),
                buffered("/proc/self/fd/2"), new FileOutputStream("/proc/self/fd/1", true),
                buffered("/proc/self/fd/4"), new FileOutputStream("/proc/self/fd/3", true),
                cleanSocket ? new java.io.BufferedInputStream(Fd.inputStream(6), 4096) : buffered("/proc/self/fd/6"),
                cleanSocket ? Fd.outputStream(5) : new FileOutputStream("/proc/self/fd/5", true));
        // Standard output and error go to the log: what the JVM itself writes there (its
        // "Terminating due to java.lang.OutOfMemoryError" under -XX:+ExitOnOutOfMemoryError, a
        // thread dump on SIGQUIT) must reach the administrator, not /dev/null.
        try {
            Fd.dup2(0, 1);
            Fd.dup2(0, 2);
        } catch (SysException e) {
            throw new IOException(e);
        }
        return w;
    }

    @SuppressWarnings("removal")
    private static void installSignals(BlockingQueue<Event> events) {
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> events.add(new Event.Terminate()));
        sun.misc.Signal.handle(new sun.misc.Signal("ALRM"), s -> events.add(new Event.Alarm()));
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> events.add(new Event.Hangup()));
    }

    /** Everything after the descriptors: also what tests call, with their own pipes. */
    static int run(QmailHome home, Wiring w, QueueClient bounces, BlockingQueue<Event> events) {
        return run(home, w, bounces, events, null);
    }

    /** {@code control}: the channel bound before dropping root, or null to bind it here. */
    static int run(QmailHome home, Wiring w, QueueClient bounces, BlockingQueue<Event> events, ControlServer control) {
        SendLog log = new SendLog(w.log());
        QueueLayout queue = new QueueLayout(home.queue());
        AtomicReference<SendControl> current = new AtomicReference<>();
        try {
            current.set(SendControl.load(home.control()));
        } catch (ControlException e) {
            log.line(QmailLog.cannotStart("unable to read controls"));
            return Exit.SOFT;
        }
        Optional<Lock> mutex;
        try {
            mutex = Lock.tryExclusive(queue.sendmutex());
        } catch (SysException e) {
            log.line(QmailLog.cannotStart("unable to open mutex"));
            return Exit.SOFT;
        }
        if (mutex.isEmpty()) {
            log.line(QmailLog.cannotStart("qmail-send is already running"));
            return Exit.SOFT;
        }
        Map<Channel, Comm> comm = new EnumMap<>(Channel.class);
        try {
            comm.put(Channel.LOCAL, new Comm(Channel.LOCAL, w.fromLocal(), w.toLocal()));
            comm.put(Channel.REMOTE, new Comm(Channel.REMOTE, w.fromRemote(), w.toRemote()));
        } catch (IOException e) {
            log.line(QmailLog.cannotStartNoSpawn());
            return Exit.SOFT;
        }
        CleanClient clean = new CleanClient(w.fromClean(), w.toClean());
        Scheduler.Controls controls = new Scheduler.Controls() {
            @Override public SendControl get() { return current.get(); }
            @Override public void reread() {
                try {
                    current.set(current.get().reread(home.control()));
                } catch (ControlException e) {
                    log.line(QmailLog.unableToReread());
                }
            }
        };
        Todo todo = new Todo(queue, log, clean, () -> current.get().rewriter(), events);
        for (Comm c : comm.values()) c.startReader(events);
        clean.startReader(events);
        new Cleanup(queue, clean, log).start();
        SendMetrics metrics = new SendMetrics();
        Optional<StatusServer> status = StatusServer.start(home, queue, metrics, log);
        Scheduler scheduler = new Scheduler(queue, controls, log, comm, clean, bounces, events, todo, metrics);
        if (control == null) control = openControl(home, log);
        if (control != null) control.start(events);
        int code = scheduler.run();
        if (control != null) control.close();
        status.ifPresent(StatusServer::close);
        try {
            mutex.get().close();
        } catch (SysException e) {
            // released at exit anyway
        }
        return code;
    }
}
