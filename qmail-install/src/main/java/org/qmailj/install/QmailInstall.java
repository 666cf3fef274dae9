package org.qmailj.install;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.cli.Args;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * qmail-install: makes a QMAIL_HOME from the tree this program runs from (see the module
 * README).
 * <pre>
 *   qmail-install DIR [--sandbox] [--me=HOST] [--no-aot]     a ready QMAIL_HOME at DIR
 *   qmail-install --mta [DIR] [--me=HOST] [--smtp=HOST:PORT]  the machine's MTA (root; DIR defaults to /var/qmail)
 *   qmail-install --uninstall [DIR]                           undo --mta
 * </pre>
 * Exit codes: 0 done, 100 bad usage or missing qmail users, 111 a temporary failure (an I/O
 * error); the message on stderr names the path. Runs on the main thread only.
 */
public final class QmailInstall {
    private static final Logger LOG = LoggerFactory.getLogger(QmailInstall.class);

    private QmailInstall() {}

    public static void main(String[] args) {
        Exit.now(run(args, QmailHome.current(), System.err));
    }

    static int run(String[] args, QmailHome from, PrintStream err) {
        Args a = new Args("qmail-install")
                .flag("--sandbox").flag("--no-aot").flag("--mta").flag("--uninstall")
                .option("HOST", "--me").option("HOST:PORT", "--smtp").option("DIR", "--prefix")
                .positionals("DIR", 0, 1);
        try {
            a.parse(args);
        } catch (Args.UsageException e) {
            LOG.error(e.getMessage());
            return usage(err);
        }
        boolean sandbox = a.has("--sandbox");
        boolean aot = !a.has("--no-aot");
        boolean mta = a.has("--mta");
        boolean uninstall = a.has("--uninstall");
        String me = a.value("--me").orElse(null);
        Path dir = a.positionals().isEmpty() ? null : Path.of(a.positionals().getFirst());
        SystemPaths sys = a.value("--prefix").map(p -> new SystemPaths(Path.of(p))).orElse(SystemPaths.REAL);
        MtaSetup.Smtp smtp = new MtaSetup.Smtp("0", "25");
        Optional<String> hostPort = a.value("--smtp");
        if (hostPort.isPresent()) {
            int colon = hostPort.get().lastIndexOf(':');
            if (colon <= 0) return usage(err);
            smtp = new MtaSetup.Smtp(hostPort.get().substring(0, colon), hostPort.get().substring(colon + 1));
        }
        if ((mta || uninstall) && dir == null) dir = Path.of("/var/qmail");
        if (dir == null || (mta && (sandbox || uninstall))) return usage(err);
        try {
            if (uninstall) {
                if (!Files.isDirectory(dir)) {
                    err.println("qmail-install: fatal: " + dir + " is not a directory");
                    return 100;
                }
                new Uninstall(dir.toRealPath(), err).run();
                return 0;
            }
            Files.createDirectories(dir);
            dir = dir.toRealPath();
            MtaSetup setup = mta ? new MtaSetup(dir, sys, smtp, err) : null;
            if (setup != null) setup.users();
            Ownership owners = sandbox ? Ownership.forSandbox() : Ownership.forSystem(sys);
            new Installer(from.root().toRealPath(), dir, owners, me == null ? hostname() : me, err).install(aot);
            if (setup != null) setup.rest(owners);
            return 0;
        } catch (Ownership.MissingUsers e) {
            err.println("qmail-install: fatal: " + e.getMessage());
            return 100;
        } catch (IOException e) {
            err.println("qmail-install: fatal: " + e.getMessage());
            return 111;
        }
    }

    private static int usage(PrintStream err) {
        err.println("qmail-install: usage: qmail-install DIR [--sandbox] [--me=HOSTNAME] [--no-aot]"
                + " | --mta [DIR] [--me=HOSTNAME] [--smtp=HOST:PORT] | --uninstall [DIR]");
        return 100;
    }

    /** The host's fully qualified name, as config-fast would be given it. */
    static String hostname() {
        try {
            String h = InetAddress.getLocalHost().getCanonicalHostName();
            if (h != null && !h.isEmpty() && !Character.isDigit(h.charAt(0))) return h;
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
