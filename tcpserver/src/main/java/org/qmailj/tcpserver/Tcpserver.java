package org.qmailj.tcpserver;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.qmailj.common.Exit;
import org.qmailj.common.FailFast;
import org.qmailj.common.Privileges;
import org.qmailj.common.QmailHome;
import org.qmailj.common.metrics.MetricsServer;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Spawn;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.sys.TcpSocket;
import org.qmailj.common.threads.SessionThreads;
import org.qmailj.smtpd.SmtpdMetrics;
import org.qmailj.smtpd.SocketWire;

/**
 * tcpserver - accepts incoming TCP connections (tcpserver(1)). For each connection it runs
 * the program with the tcp-environ(5) variables and the rules of -x.
 *
 * <p>Two ways to run the program. A {@link Builtin} (qmail-smtpd), alone or behind known
 * wrappers ({@link Chain}: rblsmtpd, recordio, softlimit, envdir, tcp-env), runs in this JVM
 * on a session thread per connection, with its environment as a map and the socket's streams;
 * the JDK's ServerSocket accepts. Any other program is spawned per connection with the
 * socket as descriptors 0 and 1: then {@link TcpSocket} listens and accepts through FFM,
 * because a spawned child needs the descriptor number, which JDK sockets do not expose.
 *
 * <p>Threads: one platform thread accepts (taking a -c permit before each accept); each
 * connection runs on one of up to {@link #PLATFORM_THREADS} reused platform threads, past
 * those on a virtual thread of its own ({@link SessionThreads}: a platform thread's socket
 * reads are woken by the kernel directly, with no poller and carrier hand-off); in spawning
 * mode one platform thread reaps children.
 * Privileges drop to -g/-u right after the socket is bound.
 */
public final class Tcpserver {
    private final ServerOptions o;
    private final TcpLog log;
    private final PrintStream err;
    private final Map<String, String> baseEnv;
    private final Semaphore permits;
    private final AtomicInteger children = new AtomicInteger();
    private final Optional<RulesFile> rules;
    /**
     * Connections served by reused platform threads at once; more get virtual threads
     * (system property qmail.platformThreads, 0: all virtual).
     */
    static final int PLATFORM_THREADS = SessionThreads.bound("qmail.platformThreads", 32);
    private final SessionThreads threads = SessionThreads.forSockets("conn", PLATFORM_THREADS);

    Tcpserver(ServerOptions o, PrintStream err, Map<String, String> baseEnv) {
        this.o = o;
        this.log = new TcpLog(err, o.verbosity());
        this.err = err;
        this.baseEnv = Map.copyOf(baseEnv);
        this.permits = new Semaphore(o.limit());
        this.rules = o.rules().map(r -> new RulesFile(Path.of(r)));
    }

    public static void main(String[] args) {
        FailFast.install("tcpserver");
        ServerOptions o;
        try {
            o = ServerOptions.parse(List.of(args), System.getenv());
        } catch (ServerOptions.UsageException e) {
            System.err.println(e.getMessage());
            Exit.now(100);
            return;
        }
        Tcpserver server = new Tcpserver(o, stderr(), System.getenv());
        try {
            server.run();
        } catch (IOException e) {
            server.log.fatal(e.getMessage());
            Exit.now(111);
        }
    }

    /**
     * Descriptor 2 written with write(2) through FFM rather than System.err's FileOutputStream:
     * a connection's virtual thread writes its log lines, and a FileOutputStream write from a
     * virtual thread first wakes a spare carrier to stand in while it blocks (three futex
     * calls and a thread wake-up per line). A full log pipe now holds the carrier, as it
     * holds ucspi-tcp's whole tcpserver. Each print is one write: no buffer in between.
     */
    private static PrintStream stderr() {
        System.err.flush();
        return new PrintStream(Fd.outputStream(2), false, StandardCharsets.ISO_8859_1);
    }

    void run() throws IOException {
        byte[] ip = Names.resolveHost(o.host());
        int port = Names.resolvePort(o.port());
        Optional<Chain> chain = Chain.parse(o.program());
        if (chain.isPresent()) {
            ServerSocket ss = new ServerSocket();
            ss.setReuseAddress(true);
            try {
                ss.bind(new InetSocketAddress(InetAddress.getByAddress(ip), port), o.backlog());
            } catch (IOException e) {
                throw new IOException("unable to bind: " + e.getMessage(), e);
            }
            ready(ss.getLocalPort());
            // Bound to one address, that is every connection's local address: no getsockname each.
            InetAddress bound = InetAddress.getByAddress(ip);
            Optional<InetAddress> local = bound.isAnyLocalAddress() ? Optional.empty() : Optional.of(bound);
            QmailHome home = QmailHome.current();
            if (chain.get().builtin() == Builtin.QMAIL_SMTPD) metrics(home);
            acceptLoop(() -> {
                Socket s = ss.accept();
                threads.start(() -> inProcess(s, local, chain.get(), home));
            });
        } else {
            int fd;
            try {
                fd = TcpSocket.listen(ip, port, o.backlog());
            } catch (SysException e) {
                throw new IOException("unable to bind: " + e.getMessage(), e);
            }
            ready(TcpSocket.localEndpoint(fd).port());
            Reaper reaper = new Reaper();
            Thread.ofPlatform().name("tcpserver-reaper").daemon().start(reaper);
            acceptLoop(() -> {
                TcpSocket.Accepted a = TcpSocket.accept(fd);
                threads.start(() -> spawned(a, reaper));
            });
        }
    }

    private void ready(int port) throws IOException {
        if (o.printPort()) {
            System.out.print(port + "\n");
            System.out.flush();
        }
        // -g and -u after bind, as ucspi-tcp; the same drop and checks as every daemon's (exit 111).
        Privileges.becomeIds("tcpserver",
                o.uid().map(java.util.OptionalInt::of).orElse(java.util.OptionalInt.empty()),
                o.gid().map(java.util.OptionalInt::of).orElse(java.util.OptionalInt.empty()));
        log.status(0, o.limit());
    }

    /**
     * /metrics of the in-process qmail-smtpd on $STATUSADDR if set (empty: none; one tcpserver
     * of several, e.g. port 587 next to 25, needs its own address), else on
     * control/statusaddr-smtpd; neither: nothing listens. Kept for the JVM's life.
     */
    private void metrics(QmailHome home) {
        MetricsServer.start(home, "statusaddr-smtpd", Optional.ofNullable(baseEnv.get("STATUSADDR")), "smtpd-metrics",
                Map.of("/metrics", () -> MetricsServer.Page.metrics(SmtpdMetrics.render())), log::warn)
                .ifPresent(m -> log.metrics(m.address().getAddress().getHostAddress() + ":" + m.address().getPort()));
    }

    private interface Acceptor {
        void acceptOne() throws IOException;
    }

    /** Takes a permit, accepts, counts the child; the connection's thread gives the permit back. */
    private void acceptLoop(Acceptor acceptor) {
        while (true) {
            permits.acquireUninterruptibly();
            try {
                acceptor.acceptOne();
            } catch (IOException e) {
                // Out of descriptors and the like: give back the permit, pause, go on.
                permits.release();
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                continue;
            }
            log.status(children.incrementAndGet(), o.limit());
        }
    }

    private void ended(long n, int wstat) {
        log.lines(log.endLine(n, wstat), log.statusLine(children.decrementAndGet(), o.limit()));
        permits.release();
    }

    /** The lookups, the rules and the log lines every connection goes through. */
    private record Prepared(Conn conn, Rules.Decision decision, Optional<String> failure) { }

    private Prepared prepare(TcpSocket.Endpoint local, TcpSocket.Endpoint remote) {
        String remoteIp = remote.ipString();
        String localIp = local.ipString();
        String localHost = o.localName().orElseGet(() -> Lookups.hostName(local.ip(), false));
        String remoteHost = o.lookupRemoteHost() ? Lookups.hostName(remote.ip(), o.paranoid()) : null;
        String remoteInfo = o.lookupRemoteInfo()
                ? Lookups.ident(localIp, local.port(), remoteIp, remote.port(), o.identTimeout()) : null;
        Conn conn = new Conn(localIp, local.port(), localHost, remoteIp, remote.port(), remoteHost, remoteInfo);
        Rules.Decision d = Rules.Decision.DEFAULT_ALLOW;
        if (rules.isPresent()) {
            try {
                d = Rules.decide(rules.get().current(), remoteIp, remoteHost, remoteInfo);
            } catch (NoSuchFileException e) {
                if (!o.allowNoRules()) {
                    return new Prepared(conn, d, Optional.of("unable to read " + o.rules().get() + ": file does not exist"));
                }
            } catch (IOException e) {
                return new Prepared(conn, d, Optional.of("unable to read " + o.rules().get() + ": " + e.getMessage()));
            }
        }
        return new Prepared(conn, d, Optional.empty());
    }

    /** "pid N from IP", then "ok ..." or "deny ..." (nothing more when the rules were unreadable). */
    private void logStart(long n, Prepared p) {
        log.lines(log.pidLine(n, p.conn().remoteIp()), p.failure().isPresent()
                ? log.warnLine("dropping connection, " + p.failure().get())
                : log.decisionLine(p.decision().deny(), n, p.conn()));
    }

    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** One connection to a built-in program, on its session thread. */
    private void inProcess(Socket s, Optional<InetAddress> local, Chain chain, QmailHome home) {
        long n = SEQUENCE.incrementAndGet();
        int exit = 111;
        try (s; SocketWire wire = new SocketWire(s, 1200)) {
            if (o.noDelay()) s.setTcpNoDelay(true);
            if (o.banner().isPresent()) wire.out().write(o.banner().get().getBytes(StandardCharsets.ISO_8859_1));
            Prepared p = prepare(endpoint(local.orElseGet(s::getLocalAddress), s.getLocalPort()),
                    endpoint(s.getInetAddress(), s.getPort()));
            logStart(n, p);
            if (p.failure().isPresent()) {
                exit = 111;
            } else if (p.decision().deny()) {
                exit = 100;
            } else {
                Connection c = new Connection(n, p.conn(), p.conn().environment(baseEnv, p.decision().env()), wire, err);
                exit = chain.run(c, home);
            }
        } catch (IOException | RuntimeException e) {
            exit = 111;
        } finally {
            ended(n, exit << 8);
        }
    }

    private static TcpSocket.Endpoint endpoint(InetAddress a, int port) {
        byte[] ip = a.getAddress();
        if (ip.length != 4) ip = new byte[4];
        return new TcpSocket.Endpoint(ip, port);
    }

    /** One connection to another program, spawned with the socket as fds 0 and 1. */
    private void spawned(TcpSocket.Accepted a, Reaper reaper) {
        long pid = -1;
        try {
            if (o.noDelay()) TcpSocket.noDelay(a.fd());
            if (o.banner().isPresent()) {
                byte[] b = o.banner().get().getBytes(StandardCharsets.ISO_8859_1);
                for (int off = 0; off < b.length; ) off += Math.max(0, Fd.write(a.fd(), b, off, b.length - off));
            }
            Prepared p = prepare(a.local(), a.remote());
            if (p.failure().isPresent() || p.decision().deny()) {
                // ucspi-tcp's child logs and exits 111 or 100 without running the program.
                long n = SEQUENCE.incrementAndGet();
                logStart(n, p);
                ended(n, (p.failure().isPresent() ? 111 : 100) << 8);
                return;
            }
            String path = Names.findProgram(o.program().getFirst(), baseEnv.get("PATH"));
            Map<String, String> env = p.conn().environment(baseEnv, p.decision().env());
            // Spawn and log under the reaper's lock, so "end PID" cannot come before "pid PID".
            synchronized (reaper) {
                pid = Spawn.spawn(path, o.program(), env,
                        List.of(new Spawn.FdAction.Dup2(a.fd(), 0), new Spawn.FdAction.Dup2(a.fd(), 1)));
                logStart(pid, p);
                reaper.started();
            }
        } catch (IOException | RuntimeException e) {
            log.warn("dropping connection, unable to run " + o.program().getFirst() + ": " + e.getMessage());
            if (pid < 0) ended(0, 111 << 8);
        } finally {
            try {
                Fd.close(a.fd());
            } catch (SysException e) {
                // already gone
            }
        }
    }

    /**
     * Reaps spawned children (waitpid for any child) on its own platform thread, logging
     * "end PID status WSTAT" as tcpserver's SIGCHLD handler does.
     */
    private final class Reaper implements Runnable {
        private final Semaphore live = new Semaphore(0);

        void started() {
            live.release();
        }

        @Override
        public void run() {
            while (true) {
                live.acquireUninterruptibly();
                try {
                    Spawn.WaitStatus w = Spawn.waitpid(-1);
                    synchronized (this) {
                        ended(w.pid(), w.status());
                    }
                } catch (SysException e) {
                    // no child after all
                }
            }
        }
    }
}
