package org.qmailj.supervise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.Exit;
import org.qmailj.common.FailFast;
import org.qmailj.common.sys.Chdir;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.Lock;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.Spawn;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.tai.Tai64n;

/**
 * supervise - starts and monitors a service (supervise(8), daemontools 0.76).
 *
 * <p>Switches to the directory {@code s} and starts {@code ./run}; restarts it when it exits,
 * pausing a second after each start. Keeps {@code s/supervise/status} (see {@link Status}),
 * reads commands from the fifo {@code supervise/control}, holds the fifo
 * {@code supervise/ok} open for reading and an exclusive flock(2) on {@code supervise/lock},
 * all byte-compatible with daemontools, so its svc, svok and svstat work on our services.
 *
 * <p>Threads: the main thread owns all state and runs the event loop; a platform thread
 * blocks on the control fifo, and one waits for each child (waitpid), both posting
 * {@link Event}s. No stdin/stdout protocol; messages go to stderr.
 */
public final class Supervise {
    private static final String FATAL = "supervise: fatal: ";
    private static final String WARNING = "supervise: warning: ";

    private sealed interface Event permits Control, Exited, Retry {
    }

    private record Control(Command command) implements Event {
    }

    private record Exited(long pid) implements Event {
    }

    /** A start that failed at exec; try again if still wanted up. */
    private record Retry() implements Event {
    }

    /** supervise cannot start in its directory; the message follows "supervise: fatal: ". */
    static final class Fatal extends Exception {
        private static final long serialVersionUID = 1L;

        Fatal(String message) {
            super(message);
        }
    }

    /**
     * Serialises the process-wide chdir-spawn-chdir of in-process supervisors (children
     * inherit the working directory at spawn time).
     */
    private static final Object SPAWN_CWD = new Object();

    private final String dir;
    private final Path supervise;
    /** Several supervisors share this JVM (svscan-inprocess): never chdir for good. */
    private final boolean inProcess;
    private final List<Spawn.FdAction> stdio;
    private Lock lock;
    private int control = -1;
    private int controlWrite = -1;
    private int ok = -1;
    private volatile boolean stopped;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final ArrayDeque<Event> pending = new ArrayDeque<>();
    private final List<String> environment = new ArrayList<>();

    private boolean flagExit;
    /** svc -x from svscan-inprocess itself (another thread): see {@link #exitWhenDown}. */
    private volatile boolean exitRequested;
    /** The last event handled was a child's exit (see {@link #next}). */
    private boolean afterExit;
    private boolean flagWant = true;
    private boolean flagWantUp = true;
    private boolean flagPaused;
    private long pid;
    private Tai64n when = Tai64n.now();

    private Supervise(String dir, Path absolute, boolean inProcess, List<Spawn.FdAction> stdio) {
        this.dir = dir;
        this.supervise = absolute.resolve("supervise");
        this.inProcess = inProcess;
        this.stdio = stdio;
        System.getenv().forEach((k, v) -> environment.add(k + "=" + v));
    }

    public static void main(String[] args) {
        FailFast.install("supervise");
        if (args.length != 1) {
            System.err.println("supervise: usage: supervise dir");
            Exit.now(Exit.HARD);
        }
        try {
            Path absolute = Path.of(args[0]).toAbsolutePath();
            new Supervise(args[0], absolute, false, List.of()).run();
            Exit.now(Exit.OK);
        } catch (Fatal f) {
            System.err.println(FATAL + f.getMessage());
            Exit.now(Exit.SOFT);
        }
    }

    /**
     * A supervisor for {@code absolute} inside a shared JVM, as svscan-inprocess runs them:
     * the same files and behaviour as the supervise program, with ./run getting
     * {@code stdio} (the log pipe) as its descriptors. {@link #run} blocks until svc -x.
     */
    static Supervise inProcess(String name, Path absolute, List<Spawn.FdAction> stdio) {
        return new Supervise(name, absolute, true, stdio);
    }

    /**
     * x from the svscan-inprocess this supervisor runs in, given before it ends the run's
     * input: unlike a command through the fifo, the run's next exit sees it whatever order
     * the two events reach the loop in, so the run is not started once more.
     */
    void exitWhenDown() {
        exitRequested = true;
        events.add(new Control(Command.EXIT));
    }

    private boolean exiting() {
        return flagExit || exitRequested;
    }

    /** Runs until told to exit (svc -x and ./run gone); then releases the files. */
    void run() throws Fatal {
        try {
            start();
            loop();
            announce();
        } finally {
            release();
        }
    }

    private void start() throws Fatal {
        Path base = supervise.getParent();
        if (inProcess) {
            if (!Files.isDirectory(base)) {
                throw new Fatal("unable to chdir to " + dir + ": "
                        + ErrorStr.of(Files.exists(base) ? Errno.ENOTDIR : Errno.ENOENT));
            }
        } else {
            try {
                Chdir.to(Path.of(dir));
            } catch (SysException e) {
                throw new Fatal("unable to chdir to " + dir + ": " + ErrorStr.of(e));
            }
        }
        try {
            Files.readAttributes(base.resolve("down"), "unix:mode");
            flagWantUp = false;
        } catch (NoSuchFileException e) {
            // normally up
        } catch (IOException e) {
            throw new Fatal("unable to stat " + dir + "/down: " + ErrorStr.of(e));
        }
        try {
            Files.createDirectory(supervise,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            // exists already, or the lock below reports the trouble
        }
        try {
            lock = Lock.tryExclusive(supervise.resolve("lock")).orElse(null);
            if (lock == null) {
                throw new Fatal("unable to acquire " + dir + "/supervise/lock: "
                        + ErrorStr.of(Errno.EWOULDBLOCK));
            }
        } catch (SysException e) {
            throw new Fatal("unable to acquire " + dir + "/supervise/lock: " + ErrorStr.of(e));
        }
        control = openFifo("control", true);
        pidchange();
        announce();
        ok = openFifo("ok", false);
        int fd = control;
        Thread.ofPlatform().daemon().name("control " + dir).start(() -> readControl(fd));

        if (!flagWant || flagWantUp) {
            trystart();
        }
    }

    /**
     * Gives up the lock and the fifos (svok then says "not running"). The control reader is
     * woken through our own write end and closes the read end itself.
     */
    private void release() {
        stopped = true;
        try {
            if (controlWrite >= 0) {
                Fd.write(controlWrite, new byte[] {0}, 0, 1);
            }
        } catch (SysException e) {
            // the reader will not wake; its descriptor stays open until the JVM ends
        }
        for (int fd : new int[] {ok, controlWrite}) {
            if (fd >= 0) {
                try {
                    Fd.close(fd);
                } catch (SysException e) {
                    // nothing more to do
                }
            }
        }
        ok = -1;
        controlWrite = -1;
        try {
            if (lock != null) {
                lock.close();
            }
        } catch (SysException e) {
            // released with the JVM at worst
        }
    }

    /** mkfifo (if absent), open for reading, and for control also for writing. */
    private int openFifo(String name, boolean control) throws Fatal {
        Path p = supervise.resolve(name);
        try {
            Fifo.make(p, 0600);
        } catch (SysException e) {
            // EEXIST: fine; anything else shows in the open
        }
        int fd;
        try {
            fd = Fifo.openRead(p);
        } catch (SysException e) {
            throw new Fatal("unable to read " + dir + "/supervise/" + name + ": " + ErrorStr.of(e));
        }
        if (control) {
            try {
                // Kept open so the reader never sees end-of-file between two svc runs.
                controlWrite = Fifo.openWrite(p);
            } catch (SysException e) {
                throw new Fatal("unable to write " + dir + "/supervise/" + name + ": "
                        + ErrorStr.of(e));
            }
        }
        return fd;
    }

    private void readControl(int fd) {
        byte[] buf = new byte[64];
        try {
            while (!stopped) {
                Fd.poll(fd, Fd.POLLIN, -1);
                if (stopped) {
                    break;
                }
                int n = Fd.read(fd, buf, 0, buf.length);
                for (int i = 0; i < n; i++) {
                    Command c = Command.of(buf[i]);
                    if (c != null) {
                        events.add(new Control(c));
                    }
                }
            }
            Fd.close(fd);
        } catch (SysException e) {
            System.err.println(WARNING + "unable to read " + dir + "/supervise/control: "
                    + ErrorStr.of(e));
        }
    }

    private void loop() {
        while (true) {
            if (exiting() && pid == 0) {
                return;
            }
            switch (next()) {
                case Exited(long p) -> {
                    if (p == pid) {
                        pid = 0;
                        pidchange();
                        announce();
                        if (exiting()) {
                            return;
                        }
                        if (flagWant && flagWantUp) {
                            trystart();
                        }
                    }
                }
                case Retry() -> {
                    if (pid == 0 && !exiting() && flagWant && flagWantUp) {
                        trystart();
                    }
                }
                case Control(Command c) -> command(c);
            }
        }
    }

    /**
     * The next event. A child's exit goes before commands that arrived meanwhile, and the
     * commands pending then go before the next exit: daemontools handles one exit and then
     * reads the control fifo in the same pass. Without the second rule a ./run that exits at
     * once (a log's multilog reading EOF) starves svc -x: each restart's exit is already
     * queued when the 1 s pause after the start ends.
     */
    private Event next() {
        events.drainTo(pending);
        if (pending.isEmpty()) {
            try {
                pending.add(events.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Retry();
            }
            events.drainTo(pending);
        }
        Event next = null;
        if (!afterExit) {
            for (Event e : pending) {
                if (e instanceof Exited) {
                    next = e;
                    break;
                }
            }
        }
        if (next != null) {
            pending.remove(next);
        } else {
            next = pending.poll();
        }
        afterExit = next instanceof Exited;
        return next;
    }

    private void command(Command c) {
        switch (c) {
            case DOWN -> {
                flagWant = true;
                flagWantUp = false;
                if (pid != 0) {
                    signal(Proc.SIGTERM);
                    signal(Proc.SIGCONT);
                    flagPaused = false;
                }
                announce();
            }
            case UP -> {
                flagWant = true;
                flagWantUp = true;
                announce();
                if (pid == 0) {
                    trystart();
                }
            }
            case ONCE -> {
                flagWant = false;
                announce();
                if (pid == 0) {
                    trystart();
                }
            }
            case PAUSE -> {
                flagPaused = true;
                announce();
                signal(c.signal());
            }
            case CONTINUE -> {
                flagPaused = false;
                announce();
                signal(c.signal());
            }
            case HUP, ALARM, INTERRUPT, TERM, KILL -> signal(c.signal());
            case EXIT -> {
                flagExit = true;
                announce();
            }
        }
    }

    private void signal(int sig) {
        if (pid != 0) {
            try {
                Proc.kill(pid, sig);
            } catch (SysException e) {
                // ESRCH: it just exited; its Exited event is on its way
            }
        }
    }

    private void trystart() {
        long child;
        try {
            child = spawnRun();
        } catch (SysException e) {
            // daemontools' forked child prints this and exits 111; supervise tries again.
            System.err.println(FATAL + "unable to start " + dir + "/run: " + ErrorStr.of(e));
            deepsleep();
            events.add(new Retry());
            return;
        }
        flagPaused = false;
        pid = child;
        pidchange();
        announce();
        Thread.ofPlatform().daemon().name("wait-" + child).start(() -> {
            while (true) {
                try {
                    Spawn.waitpid(child);
                    break;
                } catch (SysException e) {
                    if (e.errno() == Errno.ECHILD) {
                        break;
                    }
                }
            }
            events.add(new Exited(child));
        });
        deepsleep();
    }

    /** posix_spawn ./run in the service directory. */
    private long spawnRun() throws SysException {
        if (!inProcess) {
            return Spawn.spawn("./run", List.of("./run"), environment, stdio);
        }
        synchronized (SPAWN_CWD) {
            Chdir.to(supervise.getParent());
            try {
                return Spawn.spawn("./run", List.of("./run"), environment, stdio);
            } finally {
                Chdir.to(Path.of(System.getProperty("user.dir")));
            }
        }
    }

    /** The pause after each start, so a failing ./run does not loop too quickly. */
    private static void deepsleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void pidchange() {
        when = Tai64n.now();
    }

    private void announce() {
        byte want = flagWant ? (flagWantUp ? Status.WANT_UP : Status.WANT_DOWN) : Status.WANT_ONCE;
        byte[] bytes = new Status(when, pid, flagPaused, want).encode();
        Path tmp = supervise.resolve("status.new");
        int fd;
        try {
            fd = Fd.open(tmp, Fd.O_WRONLY | Fd.O_CREAT | Fd.O_TRUNC, 0644);
        } catch (SysException e) {
            System.err.println(WARNING + "unable to open " + dir + "/supervise/status.new: "
                    + ErrorStr.of(e));
            return;
        }
        try {
            int w = Fd.write(fd, bytes, 0, bytes.length);
            if (w < bytes.length) {
                System.err.println(WARNING + "unable to write " + dir
                        + "/supervise/status.new: partial write");
                return;
            }
        } catch (SysException e) {
            System.err.println(WARNING + "unable to write " + dir + "/supervise/status.new: "
                    + ErrorStr.of(e));
            return;
        } finally {
            try {
                Fd.close(fd);
            } catch (SysException e) {
                // nothing more to say
            }
        }
        try {
            Files.move(tmp, supervise.resolve("status"), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println(WARNING + "unable to rename " + dir
                    + "/supervise/status.new to status: " + ErrorStr.of(e));
        }
    }
}
