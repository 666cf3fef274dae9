package org.qmailj.send;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.Spawn;
import org.qmailj.common.sys.Spawn.FdAction;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.sys.UnixStream;

/**
 * qmail-start - turn on mail delivery (qmail-start(8)). It starts qmail-lspawn (root, given
 * {@code defaultdelivery}), qmail-rspawn (qmailr) and qmail-clean (qmailq; see below) from
 * {@code QMAIL_HOME/bin} with the pipes qmail-send(8) expects, starts the logger (qmaill)
 * if one is given, then becomes qmail-send (qmails) itself, keeping its pid, so the signals
 * sent to qmail-start reach qmail-send.
 *
 * <p>A JVM can neither fork nor switch uid per child, so each of our daemons is posix_spawned
 * (or exec'd) as it is and becomes its own qmail user as its first act
 * ({@link Privileges#become}: qmail-lspawn root, qmail-rspawn qmailr, qmail-clean qmailq,
 * qmail-send qmails, each verified). The logger can be any program (splogger, multilog,
 * logger(1), a shell script), so it is started through {@code setpriv} as qmaill; when root
 * would have to start a logger as another user and setpriv is missing, qmail-start stops
 * (exit 111) rather than run it as root. When qmail-start is not root (sandbox mode) every
 * process keeps the invoking user's ids. qmail-send's descriptors 0 to 6 are placed by exec'ing it through
 * {@code bash -c 'exec qmail-send 0>&1000 1>&1001 ...'}: the pipes wait on descriptors
 * 1000-1006 (not close-on-exec) until bash moves them, so this JVM never has to overwrite
 * descriptors it uses itself. Prints nothing, even on failure (exit 111).
 *
 * <p>The queue writer: qmail-send (qmails) and qmail-local (each user) can only queue bounces
 * and forwards through qmail-queued, so when nothing answers on
 * {@code queue/lock/qmail-queue.sock} qmail-start starts {@code qmail-queued -e} (it becomes
 * qmailq itself) under a shell loop that restarts it a second after a failure. Its descriptor
 * 0 is a pipe whose write end only qmail-send holds (descriptor {@value #WRITER_LIFE}, left
 * open across the exec): when qmail-send exits, however it exits, the writer sees end of file,
 * removes the socket and exits 0, and the loop ends. A qmail-queued service started later
 * waits on the writers' lock (queue/lock/qmail-queued) and takes over then; one that already
 * answers means none is started here. Where {@code supervise/qmail-queued/run} exists (and no
 * {@code down} beside it), qmail-start first waits up to 10 s for that service's writer to
 * answer: svscan starts it together with qmail-send.
 *
 * <p>qmail-clean: the writer runs as qmailq, as qmail-clean does, so when one answers
 * qmail-start asks it for a clean session ({@code 'K'}, honoured for root, see
 * {@link WriterProtocol}) and gives that socket to qmail-send as descriptors 5 and 6 instead
 * of starting a qmail-clean JVM. The cost is a coupling: a writer that stops (a restart of the
 * qmail-queued service, a crash) is "lost qmail-clean connection" for qmail-send, which exits
 * for supervise to start it again, as qmail does when qmail-clean dies. A tree without
 * qmail-queued, or a writer that refuses, gets qmail-clean as before.
 */
public final class QmailStart {
    private static final int BASE = 1000;
    private static final String SETPRIV = "/usr/bin/setpriv";
    /** qmail-send's descriptor holding the write end of the queue writer's stdin pipe. */
    static final int WRITER_LIFE = BASE + 7;
    /** Restarts a writer that failed (not one that saw end of input: exit 0, or a usage error). */
    private static final String WRITER_LOOP =
            "while :; do \"$0\" -e; r=$?; [ $r = 0 ] || [ $r = 100 ] && exit $r; sleep 1; done";

    /** How long a supervised qmail-queued (supervise/qmail-queued/run) gets to answer. */
    private static final long SERVICE_WAIT_NANOS = 10_000_000_000L;

    private QmailStart() {}

    public static void main(String[] args) {
        try {
            start(args);
        } catch (IOException e) {
            // qmail-start prints nothing, even on failure
            if (System.getenv("QMAILJ_DEBUG") != null) e.printStackTrace();
        }
        Exit.now(Exit.SOFT);
    }

    private static void start(String[] args) throws IOException {
        QmailHome home = QmailHome.current();
        boolean root = Proc.getuid() == 0;
        // Without lib/ids (a bare test tree) everything runs as the invoking user, as in sandbox mode.
        QmailIds ids = root && Files.exists(QmailIds.file(home)) ? QmailIds.read(home) : null;
        Map<String, String> env = new HashMap<>(System.getenv());
        Path bin = home.bin();

        Fd.Pipe log = Fd.pipe();
        Fd.Pipe toL = Fd.pipe(), fromL = Fd.pipe();
        Fd.Pipe toR = Fd.pipe(), fromR = Fd.pipe();

        // The logger reads qmail-send's activity record; without one it goes to our stdout.
        int logFd = 1;
        if (args.length >= 2) {
            List<String> argv = new ArrayList<>(List.of(args).subList(1, args.length));
            String path = which(argv.getFirst(), env);
            if (ids != null && ids.uid("qmaill") != 0) {
                // Any program may be the logger; setpriv drops it to qmaill before exec, and
                // fails (the logger never starts) if it cannot.
                if (!Files.isExecutable(Path.of(SETPRIV))) throw new IOException(SETPRIV + " is missing: cannot start the logger as qmaill");
                int uid = ids.uid("qmaill");
                int gid = ids.userGid("qmaill");
                argv.set(0, path);
                argv.addAll(0, List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--groups=" + gid, "--"));
                path = SETPRIV;
            }
            spawn(path, argv, env, log.read(), 1);
            logFd = log.write();
        }
        List<String> lspawn = new ArrayList<>(List.of("qmail-lspawn"));
        if (args.length >= 1) lspawn.add(args[0]);
        spawn(bin.resolve("qmail-lspawn").toString(), lspawn, env, toL.read(), fromL.write());
        spawn(bin.resolve("qmail-rspawn").toString(), List.of("qmail-rspawn"), env, toR.read(), fromR.write());
        Fd.Pipe writerLife = startWriter(home, env);
        int[] clean = cleanSession(home, writerLife != null);
        if (clean == null) {
            Fd.Pipe toC = Fd.pipe(), fromC = Fd.pipe();
            spawn(bin.resolve("qmail-clean").toString(), List.of("qmail-clean"), env, toC.read(), fromC.write());
            clean = new int[] {toC.write(), fromC.read()};
        }

        // Become qmail-send with descriptors 0..6 as qmail-send(8) describes them.
        int[] fds = {logFd, toL.write(), fromL.read(), toR.write(), fromR.read(), clean[0], clean[1]};
        StringBuilder script = new StringBuilder("exec \"$0\"");
        for (int i = 0; i < fds.length; i++) {
            Fd.dup2(fds[i], BASE + i);
            script.append(' ').append(i).append(i % 2 == 0 && i > 0 ? "<&" : ">&").append(BASE + i);
        }
        for (int i = 0; i < fds.length; i++) script.append(' ').append(BASE + i).append(">&-");
        // The writer's life line stays open in qmail-send (dup2 clears close-on-exec).
        if (writerLife != null) Fd.dup2(writerLife.write(), WRITER_LIFE);
        List<String> envp = new ArrayList<>();
        env.forEach((k, v) -> envp.add(k + "=" + v));
        System.out.flush();
        Proc.execv("/bin/bash", List.of("bash", "-c", script.toString(), bin.resolve("qmail-send").toString()), envp);
    }

    /**
     * Starts qmail-queued -e unless a writer answers (or the tree has no qmail-queued): returns
     * the pipe whose write end qmail-send must hold, or null.
     */
    private static Fd.Pipe startWriter(QmailHome home, Map<String, String> env) throws IOException {
        Path queued = home.bin().resolve("qmail-queued");
        if (!Files.isExecutable(queued)) return null;
        SocketQueueClient writer = new SocketQueueClient(WriterProtocol.socket(new QueueLayout(home.queue())));
        if (writer.answers()) return null;
        // qmail-install's layout supervises a qmail-queued beside qmail-send, and svscan starts
        // both at once: a writer of our own would then run beside the service's (which waits on
        // the writers' lock) as long as qmail-send does. Give the service time to answer.
        Path service = home.root().resolve("supervise").resolve("qmail-queued");
        if (Files.isRegularFile(service.resolve("run")) && !Files.exists(service.resolve("down"))) {
            long deadline = System.nanoTime() + SERVICE_WAIT_NANOS;
            while (System.nanoTime() < deadline) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    break;
                }
                if (writer.answers()) return null;
            }
        }
        Fd.Pipe life = Fd.pipe();
        Spawn.spawn("/bin/bash", List.of("qmail-queued", "-c", WRITER_LOOP, queued.toString()), env,
                List.of(new FdAction.Dup2(life.read(), 0), new FdAction.Dup2(2, 1), new FdAction.Dup2(2, 2)));
        Fd.close(life.read());
        return life;
    }

    /**
     * qmail-clean inside the queue writer (both qmailq; one JVM fewer): a 'K' request on the
     * writer's socket, made as root, answered 'X' 0. Returns the socket twice (qmail-send's
     * descriptors 5 and 6), or null when no writer takes it (none in the tree, an older one
     * that answers 81, none answering): then qmail-clean is spawned as before. A writer
     * qmail-start has just started ({@code ownWriter}) gets the time a JVM takes to start.
     */
    private static int[] cleanSession(QmailHome home, boolean ownWriter) {
        if (!Files.isExecutable(home.bin().resolve("qmail-queued"))) return null;
        Path socket = WriterProtocol.socket(new QueueLayout(home.queue()));
        long deadline = System.nanoTime() + (ownWriter ? SERVICE_WAIT_NANOS : 0);
        while (true) {
            int fd = -1;
            try {
                fd = UnixStream.connect(socket);
            } catch (SysException e) {
                // not listening (yet)
            }
            if (fd >= 0) {
                boolean taken;
                try {
                    taken = askClean(fd, deadline);
                } catch (SysException e) {
                    taken = false; // the writer went away meanwhile
                }
                if (taken) return new int[] {fd, fd};
                Fd.closeQuietly(fd);
                return null; // refused, or no answer in time
            }
            if (System.nanoTime() >= deadline) return null;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return null;
            }
        }
    }

    /** Sends 'K' and reads the answer, 'X' and a code, waiting until {@code deadline} (at least 10 s). */
    private static boolean askClean(int fd, long deadline) throws SysException {
        Fd.write(fd, new byte[] {WriterProtocol.CLEAN}, 0, 1);
        long until = Math.max(deadline, System.nanoTime() + SERVICE_WAIT_NANOS);
        byte[] answer = new byte[2];
        int n = 0;
        while (n < 2) {
            long left = (until - System.nanoTime()) / 1_000_000;
            if (left <= 0) return false;
            if (Fd.poll(fd, Fd.POLLIN, (int) left) == 0) continue;
            int r = Fd.read(fd, answer, n, 2 - n);
            if (r <= 0) return false;
            n += r;
        }
        return answer[0] == WriterProtocol.FINAL && answer[1] == 0;
    }

    private static void spawn(String path, List<String> argv, Map<String, String> env, int in, int out) throws SysException {
        Spawn.spawn(path, argv, env, List.of(new FdAction.Dup2(in, 0), new FdAction.Dup2(out, 1), new FdAction.Dup2(2, 2)));
    }

    private static String which(String program, Map<String, String> env) {
        return Spawn.findProgram(program, env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin")).orElse(program);
    }
}
