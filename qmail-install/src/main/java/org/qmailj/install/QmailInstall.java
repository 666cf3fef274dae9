package org.qmailj.install;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;

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

    private QmailInstall() {}

    public static void main(String[] args) {
        Exit.now(run(args, QmailHome.current(), System.err));
    }

    static int run(String[] args, QmailHome from, PrintStream err) {
        Path dir = null;
        boolean sandbox = false;
        boolean aot = true;
        boolean mta = false;
        boolean uninstall = false;
        String me = null;
        MtaSetup.Smtp smtp = new MtaSetup.Smtp("0", "25");
        SystemPaths sys = SystemPaths.REAL;
        for (String a : args) {
            switch (a) {
                case "--sandbox" -> sandbox = true;
                case "--no-aot" -> aot = false;
                case "--mta" -> mta = true;
                case "--uninstall" -> uninstall = true;
                default -> {
                    if (a.startsWith("--me=")) me = a.substring(5);
                    else if (a.startsWith("--smtp=") && a.lastIndexOf(':') > 7) {
                        smtp = new MtaSetup.Smtp(a.substring(7, a.lastIndexOf(':')), a.substring(a.lastIndexOf(':') + 1));
                    } else if (a.startsWith("--prefix=")) sys = new SystemPaths(Path.of(a.substring(9)));
                    else if (a.startsWith("-") || dir != null) return usage(err);
                    else dir = Path.of(a);
                }
            }
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
            Ownership owners = sandbox ? Ownership.forSandbox() : Ownership.forSystem();
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
