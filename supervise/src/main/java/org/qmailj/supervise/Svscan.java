package org.qmailj.supervise;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.Exit;
import org.qmailj.common.FailFast;
import org.qmailj.common.sys.Chdir;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.Spawn;
import org.qmailj.common.sys.SysException;

/**
 * svscan - starts and monitors a collection of services (svscan(8), daemontools 0.76).
 *
 * <p>{@code svscan [directory]}: every five seconds, starts {@code supervise name} (found in
 * PATH, as daemontools does) for each subdirectory not starting with a dot, up to 1000, and
 * restarts any whose supervise has exited. If {@code name/log} is a directory (and name is
 * at most 255 bytes), also starts {@code supervise name/log} with a pipe from the service's
 * stdout to the log's stdin; the pipe is kept for the life of the directory so a restart loses
 * nothing. Directories are known by device and inode, so a renamed service keeps its
 * supervise. Trouble is a warning on stderr and is retried five seconds later.
 *
 * <p>Threads: the main thread only; children are reaped at each scan (waitpid WNOHANG).
 */
public final class Svscan {
    private static final String WARNING = "svscan: warning: ";
    private static final int SERVICES = 1000;
    private static final long IN_PROCESS = -1;

    /** One service directory and its supervise processes. */
    private static final class Service {
        final Object key;
        String name;
        boolean active;
        boolean hasLog;
        /** The supervise child's pid, or {@link #IN_PROCESS} while an in-process one runs. */
        volatile long pid;
        volatile long pidLog;
        /** The in-process supervisor of the log, while one runs. */
        volatile Supervise logSupervisor;
        Fd.Pipe pipe;

        Service(Object key) {
            this.key = key;
        }
    }

    private final List<Service> services = new ArrayList<>();
    private final List<String> environment = new ArrayList<>();
    private final boolean inProcess;
    private volatile boolean terminating;
    /** How long TERM waits for the services' runs (qmail-send finishing its deliveries). */
    private static final long STOP_SERVICES_MS = 60_000;
    private static final long STOP_LOGS_MS = 10_000;
    /** In a service directory: on TERM, svscan-inprocess takes this service down last. */
    static final String STOP_LAST = "stoplast";

    private Svscan(boolean inProcess) {
        this.inProcess = inProcess;
        System.getenv().forEach((k, v) -> environment.add(k + "=" + v));
    }

    public static void main(String[] args) {
        FailFast.install("svscan");
        scan(args, false);
    }

    /**
     * svscan's loop; with {@code inProcess} every supervise is a {@link Supervise} object on
     * threads of this JVM instead of a process (see {@link SvscanInProcess}).
     */
    static void scan(String[] args, boolean inProcess) {
        if (args.length > 0) {
            try {
                Chdir.to(Path.of(args[0]));
            } catch (SysException e) {
                System.err.println("svscan: fatal: unable to chdir to " + args[0] + ": " + ErrorStr.of(e));
                Exit.now(Exit.SOFT);
            }
        }
        Path here = args.length > 0 ? Path.of(args[0]).toAbsolutePath() : Path.of("").toAbsolutePath();
        Svscan s = new Svscan(inProcess);
        if (inProcess) {
            Thread scanner = Thread.currentThread();
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> {
                s.terminating = true;
                scanner.interrupt();
            });
        }
        while (!s.terminating) {
            s.doit(here);
            try {
                Thread.sleep(5000);
            } catch (InterruptedException e) {
                // TERM (in-process only): the loop condition says
            }
        }
        Thread.interrupted(); // a TERM that came during a scan left the flag set
        s.terminate(here);
        Exit.now(Exit.OK);
    }

    /**
     * TERM to svscan-inprocess. Its supervisors die with this JVM, and the ./run processes
     * would outlive them unsupervised: a restarted scan (systemd's Restart=, or
     * qmail-install --uninstall's svc -dx after stopping the scanners) would then start a second
     * qmail-send beside the first. So the services go down with the scan: svc -dx to each
     * service (TERM and CONT to its run, whose supervisor then exits), then each log's
     * supervisor is told to exit once its run has ended, and its pipe's last writer (ours)
     * closes so multilog reads EOF after the service's final lines. A service whose directory
     * holds a file named {@value #STOP_LAST} (qmail-install's qmail-log, which the other
     * services' logs feed through fifos) goes down the same way, but only once every other
     * service and log has ended. Plain svscan keeps daemontools' behaviour: TERM ends svscan
     * alone and every supervise runs on.
     */
    private void terminate(Path here) {
        // A logger that other services write to by other ways than supervise's pipe (a fifo)
        // goes last: it must read what they write while they stop.
        List<Service> last = services.stream().filter(s -> s.name != null && Files.exists(here.resolve(s.name).resolve(STOP_LAST))).toList();
        List<Service> first = services.stream().filter(s -> !last.contains(s)).toList();
        takeDown(here, first);
        takeDown(here, last);
    }

    private void takeDown(Path here, List<Service> group) {
        for (Service s : group) {
            if (s.pid == IN_PROCESS) control(here.resolve(s.name), "dx");
        }
        awaitEnded(group, true, STOP_SERVICES_MS);
        for (Service s : group) {
            Supervise log = s.logSupervisor;
            if (s.pidLog != IN_PROCESS || log == null) continue;
            log.exitWhenDown(); // before the EOF, so that the log's exit is its last
            if (s.pipe != null) closeQuietly(s.pipe.write());
        }
        if (!awaitEnded(group, false, STOP_LOGS_MS)) {
            for (Service s : group) {
                if (s.pidLog == IN_PROCESS) control(here.resolve(s.name).resolve("log"), "dx");
            }
            awaitEnded(group, false, STOP_LOGS_MS);
        }
    }

    /** Waits until no in-process supervisor of the group's services (or logs) runs; false on timeout. */
    private static boolean awaitEnded(List<Service> group, boolean mains, long ms) {
        long deadline = System.nanoTime() + ms * 1_000_000L;
        while (group.stream().anyMatch(s -> (mains ? s.pid : s.pidLog) == IN_PROCESS)) {
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                // a second TERM: keep waiting for the deadline
            }
        }
        return true;
    }

    /** svc's write to a supervisor's control fifo; a supervisor already gone is no error. */
    private static void control(Path dir, String commands) {
        int fd;
        try {
            fd = Fifo.openWrite(dir.resolve("supervise").resolve("control"));
        } catch (SysException e) {
            if (e.errno() != Errno.ENXIO && e.errno() != Errno.ENOENT) {
                System.err.println(WARNING + "unable to control " + dir + ": " + ErrorStr.of(e));
            }
            return;
        }
        try {
            byte[] b = commands.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Fd.write(fd, b, 0, b.length);
        } catch (SysException e) {
            System.err.println(WARNING + "unable to control " + dir + ": " + ErrorStr.of(e));
        } finally {
            closeQuietly(fd);
        }
    }

    private void doit(Path here) {
        if (!inProcess) {
            // In-process supervisors wait for their own children; waitpid(-1) would steal them.
            reap();
        }
        for (Service s : services) {
            s.active = false;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(here)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                try {
                    if (!Files.isDirectory(p)) {
                        continue;
                    }
                    Object key = Files.readAttributes(p, "unix:dev,ino");
                    found(here, name, key);
                } catch (IOException e) {
                    System.err.println(WARNING + "unable to stat " + name + ": " + ErrorStr.of(e));
                }
            }
        } catch (IOException e) {
            System.err.println(WARNING + "unable to read directory: " + ErrorStr.of(e));
            return;
        }
        for (Iterator<Service> it = services.iterator(); it.hasNext();) {
            Service s = it.next();
            if (!s.active && s.pid == 0 && s.pidLog == 0) {
                if (s.pipe != null) {
                    closeQuietly(s.pipe.read());
                    closeQuietly(s.pipe.write());
                }
                it.remove();
            }
        }
        for (Service s : services) {
            if (s.active) {
                start(here, s);
            }
        }
    }

    private void found(Path here, String name, Object key) {
        for (Service s : services) {
            if (s.key.equals(key)) {
                s.name = name;
                s.active = true;
                return;
            }
        }
        if (services.size() >= SERVICES) {
            System.err.println(WARNING + "unable to start " + name + ": running too many services");
            return;
        }
        Service s = new Service(key);
        s.name = name;
        s.active = true;
        if (name.length() <= 255 && Files.isDirectory(here.resolve(name).resolve("log"))) {
            try {
                s.pipe = Fd.pipe();
                s.hasLog = true;
            } catch (SysException e) {
                System.err.println(WARNING + "unable to create pipe for " + name + ": " + ErrorStr.of(e));
                return;
            }
        }
        services.add(s);
    }

    private void start(Path here, Service s) {
        List<Spawn.FdAction> out = s.hasLog ? List.of(new Spawn.FdAction.Dup2(s.pipe.write(), 1)) : List.of();
        if (s.pid == 0) {
            if (inProcess) {
                s.pid = IN_PROCESS;
                supervise(here, s.name, out, () -> s.pid = 0);
            } else {
                s.pid = spawn(s.name, out);
            }
        }
        if (s.hasLog && s.pidLog == 0) {
            List<Spawn.FdAction> in = List.of(new Spawn.FdAction.Dup2(s.pipe.read(), 0));
            if (inProcess) {
                s.pidLog = IN_PROCESS;
                s.logSupervisor = supervise(here, s.name + "/log", in, () -> s.pidLog = 0);
            } else {
                s.pidLog = spawn(s.name + "/log", in);
            }
        }
    }

    /** Runs an in-process supervisor on its own thread; {@code done} when it exits. */
    private static Supervise supervise(Path here, String name, List<Spawn.FdAction> stdio, Runnable done) {
        Supervise supervisor = Supervise.inProcess(name, here.resolve(name), stdio);
        Thread.ofPlatform().name("supervise " + name).start(() -> {
            try {
                supervisor.run();
            } catch (Supervise.Fatal f) {
                System.err.println("supervise: fatal: " + f.getMessage());
            } catch (RuntimeException e) {
                System.err.println("supervise: fatal: " + name + ": " + e);
            } finally {
                done.run();
            }
        });
        return supervisor;
    }

    /** Runs {@code supervise dir} from PATH; 0 if that failed (tried again next scan). */
    private long spawn(String dir, List<Spawn.FdAction> fds) {
        Optional<String> supervise = which("supervise");
        if (supervise.isEmpty()) {
            System.err.println(WARNING + "unable to start supervise " + dir + ": file does not exist");
            return 0;
        }
        try {
            return Spawn.spawn(supervise.get(), List.of("supervise", dir), environment, fds);
        } catch (SysException e) {
            System.err.println(WARNING + "unable to start supervise " + dir + ": " + ErrorStr.of(e));
            return 0;
        }
    }

    private static Optional<String> which(String program) {
        String path = System.getenv().getOrDefault("PATH", "/bin:/usr/bin");
        for (String d : path.split(":", -1)) {
            File f = new File(d.isEmpty() ? "." : d, program);
            if (f.isFile() && f.canExecute()) {
                return Optional.of(f.getPath());
            }
        }
        return Optional.empty();
    }

    private void reap() {
        while (true) {
            Optional<Spawn.WaitStatus> w;
            try {
                w = Spawn.waitNoHang(-1);
            } catch (SysException e) {
                if (e.errno() != Errno.ECHILD) {
                    System.err.println(WARNING + "unable to wait: " + ErrorStr.of(e));
                }
                return;
            }
            if (w.isEmpty()) {
                return;
            }
            long pid = w.get().pid();
            for (Service s : services) {
                if (s.pid == pid) {
                    s.pid = 0;
                }
                if (s.pidLog == pid) {
                    s.pidLog = 0;
                }
            }
        }
    }

    private static void closeQuietly(int fd) {
        try {
            Fd.close(fd);
        } catch (SysException e) {
            // nothing to do
        }
    }
}
