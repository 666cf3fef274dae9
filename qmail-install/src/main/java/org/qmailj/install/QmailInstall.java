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
 *   qmail-install --rollback [DIR]                            undo --mta's upgrade from netqmail
 *   qmail-install --help                                      the usage on stdout
 * </pre>
 * Exit codes: 0 done (or --help), 100 bad usage or missing qmail users, 111 a temporary failure (an I/O
 * error); the message on stderr names the path. Runs on the main thread only.
 */
public final class QmailInstall {
    private static final Logger LOG = LoggerFactory.getLogger(QmailInstall.class);

    private QmailInstall() {}

    public static void main(String[] args) {
        Exit.now(run(args, QmailHome.current(), System.out, System.err));
    }

    static int run(String[] args, QmailHome from, PrintStream out, PrintStream err) {
        Args a = new Args("qmail-install")
                .flag("--sandbox").flag("--no-aot").flag("--mta").flag("--uninstall").flag("--rollback").flag("--help", "-h")
                .option("HOST", "--me").option("HOST:PORT", "--smtp").option("DIR", "--prefix")
                .positionals("DIR", 0, 1);
        try {
            a.parse(args);
        } catch (Args.UsageException e) {
            LOG.error(e.getMessage());
            return usage(err);
        }
        if (a.has("--help")) {
            out.print(HELP);
            out.flush();
            return 0;
        }
        boolean sandbox = a.has("--sandbox");
        boolean aot = !a.has("--no-aot");
        boolean mta = a.has("--mta");
        boolean uninstall = a.has("--uninstall");
        boolean rollback = a.has("--rollback");
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
        if ((mta || uninstall || rollback) && dir == null) dir = Path.of("/var/qmail");
        int modes = (mta ? 1 : 0) + (uninstall ? 1 : 0) + (rollback ? 1 : 0);
        if (dir == null || modes > 1 || (sandbox && modes > 0)) return usage(err);
        try {
            if (uninstall || rollback) {
                if (!Files.isDirectory(dir)) {
                    err.println("qmail-install: fatal: " + dir + " is not a directory");
                    return 100;
                }
                dir = dir.toRealPath();
                boolean upgraded = Manifest.load(dir).hasKind("upgraded");
                if (uninstall && upgraded) {
                    err.println("qmail-install: fatal: " + dir + " was upgraded from netqmail: use --rollback to put netqmail back");
                    return 100;
                }
                if (rollback && !new Rollback(dir, err).run()) {
                    err.println("qmail-install: fatal: " + dir + " holds no upgrade from netqmail (lib/installed has no 'upgraded' entry)");
                    return 100;
                }
                if (uninstall) new Uninstall(dir, err).run();
                return 0;
            }
            Files.createDirectories(dir);
            dir = dir.toRealPath();
            MtaSetup setup = mta ? new MtaSetup(dir, sys, smtp, err) : null;
            Upgrade upgrade = mta ? Upgrade.detect(dir, sys, setup.manifest(), err).orElse(null) : null;
            Path scan = upgrade != null ? Upgrade.scanDir(sys).orElse(null) : null;
            if (upgrade != null && scan == null) {
                err.println("qmail-install: fatal: " + dir + " holds netqmail but no " + sys.of("/service")
                        + " or " + sys.of("/etc/service") + " was found: install netqmail's services first, or move " + dir.resolve("bin") + " away");
                return 100;
            }
            if (setup != null) setup.users();
            Ownership owners = sandbox ? Ownership.forSandbox() : Ownership.forSystem(sys);
            if (upgrade != null) upgrade.setAside(setup.manifest());
            new Installer(from.root().toRealPath(), dir, owners, me == null ? hostname() : me, err).install(aot);
            if (upgrade != null) upgrade.carryOver(setup.manifest());
            if (setup != null) setup.rest(owners, scan);
            if (upgrade != null) upgrade.adaptServices(scan, setup.manifest());
            return 0;
        } catch (Ownership.MissingUsers e) {
            err.println("qmail-install: fatal: " + e.getMessage());
            return 100;
        } catch (IOException e) {
            err.println("qmail-install: fatal: " + e.getMessage());
            return 111;
        }
    }

    /** --help: asked for, so stdout and exit 0; a usage error prints only the first line. */
    static final String HELP = """
            usage: qmail-install DIR [--sandbox] [--me=HOST] [--no-aot]
                   qmail-install --mta [DIR] [--me=HOST] [--smtp=HOST:PORT]
                   qmail-install --uninstall [DIR]
                   qmail-install --rollback [DIR]
              DIR               the QMAIL_HOME to make or update (copies bin/, lib/, man/ of this tree);
                                with --mta, --uninstall and --rollback /var/qmail when omitted
              --sandbox         every file belongs to you and lib/ids maps every qmail user to you
              --me=HOST         control/me (and locals, rcpthosts, ...) when missing; default: this host's name
              --no-aot          skip building the AOT cache lib/qmail.aot (slower start-up)
              --mta             as root: install as the machine's MTA (qmail users, /var/qmail, services,
                                /usr/sbin/sendmail, qmail.service, man pages); over netqmail it upgrades:
                                netqmail's bin/ and man/ kept as bin.netqmail-DATE, its services kept
              --smtp=HOST:PORT  where --mta's qmail-smtpd service listens (default 0:25)
              --uninstall       as root: stop the services and undo what --mta recorded in lib/installed
              --rollback        as root, qmail-send stopped: undo --mta's upgrade, netqmail's bin/ and man/ back
              --prefix=DIR      for tests: --mta's files outside DIR (sendmail links, systemd unit, logs,
                                man pages) go under this directory instead of /
              --help, -h        this text
            Exit codes: 0 done, 100 bad usage or missing qmail users, 111 temporary failure.
            """;

    private static int usage(PrintStream err) {
        err.println("qmail-install: usage: qmail-install DIR [--sandbox] [--me=HOSTNAME] [--no-aot]"
                + " | --mta [DIR] [--me=HOSTNAME] [--smtp=HOST:PORT] | --uninstall [DIR] | --rollback [DIR] | --help");
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
