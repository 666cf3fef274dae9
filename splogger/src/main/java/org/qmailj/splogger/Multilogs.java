package org.qmailj.splogger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.Exit;
import org.qmailj.common.FailFast;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.sys.Umask;

/**
 * multilogs - several multilog(8)s in one JVM, each reading its own named pipe: {@code
 * multilogs FIFO SCRIPT... [:: FIFO SCRIPT...]...}. Our own addition, not a daemontools
 * program: one logger JVM for several daemons instead of one each (~16 MiB PSS apiece).
 *
 * <p>Each group is a {@link Multilog} on its fifo: the same script actions, line handling,
 * stamps, rotation and error texts as {@code multilog SCRIPT < FIFO}. A fifo is opened
 * O_RDWR|O_NONBLOCK: holding a write end ourselves, we never read end of file when a daemon
 * restarts, and the daemon's open for writing never waits for us.
 *
 * <p>TERM: every group takes what is already in its pipe, ends a line in progress as multilog
 * does at end of input, and completes its currents; then exit 0. Unlike multilog we do not wait
 * for the rest of a line, since a pipe we hold open never ends: callers stop the writers
 * first. ALRM: every group rotates its nonempty currents.
 *
 * <p>A group that cannot open at start waits and is tried again every second while the others
 * log ({@link #open}): in one JVM, one bad log directory must not stop every daemon's log.
 *
 * <p>Threads: one reader per fifo (the last one is the main thread). A reader waits in poll
 * without a lock, then reads and processes under its group's {@link Multilog#lock}, so a
 * signal handler holding that lock sees every byte taken from the pipe already written out.
 */
public final class Multilogs {
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    /** What a TERM takes from one pipe at most, should a writer still be writing. */
    private static final int DRAIN_MAX = 1 << 20;

    static final class Group {
        final String fifo;
        final String[] script;
        final byte[] buf = new byte[Multilog.READ];
        /** The fifo's descriptor, -1 until it opens. */
        int fd = -1;
        /** Null until the fifo and every file of the script opened; then set once, under this. */
        volatile Multilog log;
        /** Ended by TERM or an error; under log.lock, or under this while log is null. */
        boolean ended;
        /** The last start-up failure reported, so a waiting group says each new reason once. */
        String failure;

        Group(String fifo, String[] script) {
            this.fifo = fifo;
            this.script = script;
        }

        /** Opens the fifo (once) and the script's files; on failure nothing of the script stays open. */
        void open() throws Multilog.Fatal {
            if (fd < 0) {
                fd = openFifo(fifo);
            }
            Multilog m = Multilog.parse(script);
            synchronized (this) {
                if (ended) {
                    m.endInput(); // TERM came while we opened: leave the directories complete
                    return;
                }
                log = m;
            }
        }
    }

    static final class Usage extends Exception {
        private static final long serialVersionUID = 1L;
    }

    private static volatile boolean termSeen;
    private static volatile boolean alrmSeen;
    private static volatile List<Group> groups;
    private static final AtomicBoolean ending = new AtomicBoolean();

    private Multilogs() {
    }

    public static void main(String[] args) {
        FailFast.install("multilogs");
        Multilog.program = "multilogs";
        Umask.set(022);
        signals();
        List<Group> gs;
        try {
            gs = open(args);
        } catch (Usage u) {
            System.err.println("multilogs: usage: multilogs fifo script [:: fifo script]...");
            Exit.now(Exit.HARD);
            return;
        } catch (Multilog.Fatal f) {
            System.err.println("multilogs: fatal: " + f.getMessage());
            Exit.now(Exit.SOFT);
            return;
        }
        // As in Multilog.signals: set here, flags checked after; the handlers the other way round.
        groups = gs;
        if (alrmSeen) {
            rotate(gs);
        }
        if (termSeen) {
            end(gs, Exit.OK);
        }
        for (int i = 0; i < gs.size() - 1; i++) {
            Group g = gs.get(i);
            Thread.ofPlatform().name("multilogs " + g.fifo).start(() -> run(g));
        }
        run(gs.getLast());
    }

    /**
     * Splits the arguments at {@code ::} (all of them first: bad usage opens nothing); then opens
     * each group's fifo and the script's logs. A group that cannot open waits, reported on
     * stderr, and is tried again every second while the others log, as a multilog of its own
     * would be restarted by supervise; only when no group opens is that fatal (exit 111, and
     * supervise restarts us).
     */
    static List<Group> open(String[] args) throws Usage, Multilog.Fatal {
        List<String[]> parts = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= args.length; i++) {
            if (i < args.length && !args[i].equals("::")) {
                continue;
            }
            if (i == from) {
                throw new Usage();
            }
            parts.add(Arrays.copyOfRange(args, from, i));
            from = i + 1;
        }
        List<Group> gs = new ArrayList<>();
        Multilog.Fatal first = null;
        for (String[] part : parts) {
            Group g = new Group(part[0], Arrays.copyOfRange(part, 1, part.length));
            try {
                g.open();
            } catch (Multilog.Fatal f) {
                if (first == null) first = f;
                g.failure = f.getMessage();
            }
            gs.add(g);
        }
        if (gs.stream().allMatch(g -> g.log == null)) {
            for (Group g : gs) {
                if (g.fd >= 0) closeQuietly(g.fd);
            }
            throw first;
        }
        for (Group g : gs) {
            if (g.failure != null) waiting(g);
        }
        return gs;
    }

    private static void waiting(Group g) {
        System.err.println("multilogs: warning: " + g.failure + "; " + g.fifo + " waits, tried again every second");
    }

    private static void closeQuietly(int fd) {
        try {
            Fd.close(fd);
        } catch (SysException e) {
            // exiting anyway
        }
    }

    /** A group's thread: opens it if it is still waiting, then reads. */
    private static void run(Group g) {
        while (g.log == null) {
            synchronized (g) {
                if (g.ended) {
                    return;
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            try {
                g.open();
            } catch (Multilog.Fatal f) {
                if (!f.getMessage().equals(g.failure)) {
                    g.failure = f.getMessage();
                    waiting(g);
                }
                continue;
            }
            if (g.log != null) {
                System.err.println("multilogs: info: " + g.fifo + " logs now");
            }
        }
        read(g);
    }

    private static int openFifo(String name) throws Multilog.Fatal {
        int fd;
        try {
            fd = Fd.open(Path.of(name), Fd.O_RDWR | Fd.O_NONBLOCK, 0);
        } catch (SysException e) {
            throw new Multilog.Fatal("unable to open " + name + ": " + ErrorStr.of(e));
        }
        try {
            if ((Fd.stat(fd).mode() & S_IFMT) != S_IFIFO) {
                throw new Multilog.Fatal("unable to open " + name + ": not a named pipe");
            }
        } catch (SysException e) {
            throw new Multilog.Fatal("unable to stat " + name + ": " + ErrorStr.of(e));
        }
        return fd;
    }

    @SuppressWarnings("removal")
    private static void signals() {
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> {
            termSeen = true;
            List<Group> gs = groups;
            if (gs != null) {
                end(gs, Exit.OK);
            }
        });
        sun.misc.Signal.handle(new sun.misc.Signal("ALRM"), s -> {
            alrmSeen = true;
            List<Group> gs = groups;
            if (gs != null) {
                rotate(gs);
            }
        });
    }

    private static void rotate(List<Group> gs) {
        for (Group g : gs) {
            if (g.log == null) {
                continue; // still waiting: nothing to rotate
            }
            synchronized (g.log.lock) {
                if (!g.ended) {
                    g.log.forceRotate();
                }
            }
        }
    }

    /** A reader: read what is there, else wait in poll; a TERM's handler may take over. */
    private static void read(Group g) {
        while (true) {
            int n;
            synchronized (g.log.lock) {
                if (g.ended) {
                    return;
                }
                try {
                    n = Fd.read(g.fd, g.buf, 0, g.buf.length);
                } catch (SysException e) {
                    n = 0;
                    System.err.println("multilogs: fatal: unable to read " + g.fifo + ": " + ErrorStr.of(e));
                }
                if (n > 0) {
                    g.log.feed(g.buf, n);
                }
            }
            if (n == 0) {
                // Cannot happen while we hold a write end; if it does, end as multilog would.
                end(groups, Exit.SOFT);
                return;
            }
            Multilog.gather(n);
            if (n < 0) {
                try {
                    Fd.poll(g.fd, Fd.POLLIN, -1);
                } catch (SysException e) {
                    // read again, which reports the trouble
                }
            }
        }
    }

    /**
     * Every group takes what its pipe holds now, completes a line in progress and its
     * currents; then the process exits. Whoever comes second (a reader's error, a second
     * TERM) leaves it to the first.
     */
    private static void end(List<Group> gs, int code) {
        if (!ending.compareAndSet(false, true)) {
            return;
        }
        finish(gs);
        Exit.now(code);
    }

    /** What {@link #end} does before the exit. */
    static void finish(List<Group> gs) {
        for (Group g : gs) {
            synchronized (g) {
                if (g.log == null) {
                    g.ended = true; // a waiting group: what its pipe holds stays there
                    continue;
                }
            }
            synchronized (g.log.lock) {
                if (!g.ended) {
                    drain(g);
                    g.log.endInput();
                    g.ended = true;
                }
            }
        }
    }

    private static void drain(Group g) {
        for (int taken = 0; taken < DRAIN_MAX; ) {
            int n;
            try {
                n = Fd.read(g.fd, g.buf, 0, g.buf.length);
            } catch (SysException e) {
                return;
            }
            if (n <= 0) {
                return;
            }
            g.log.feed(g.buf, n);
            taken += n;
        }
    }
}
