package org.qmailj.install;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;

/**
 * qmail-install DIR [--sandbox]: makes DIR a ready QMAIL_HOME from the tree this program runs
 * from. See the module README. Exit codes: 0 done, 100 bad usage or missing qmail users,
 * 111 a temporary failure (an I/O error); the message on stderr names the path.
 * Runs on the main thread only.
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
        String me = null;
        for (String a : args) {
            switch (a) {
                case "--sandbox" -> sandbox = true;
                case "--no-aot" -> aot = false;
                default -> {
                    if (a.startsWith("--me=")) me = a.substring(5);
                    else if (a.startsWith("-") || dir != null) return usage(err);
                    else dir = Path.of(a);
                }
            }
        }
        if (dir == null) return usage(err);
        try {
            Files.createDirectories(dir);
            dir = dir.toRealPath();
            Ownership owners = sandbox ? Ownership.forSandbox() : Ownership.forSystem();
            new Installer(from.root().toRealPath(), dir, owners, me == null ? hostname() : me, err).install(aot);
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
        err.println("qmail-install: usage: qmail-install DIR [--sandbox] [--me=HOSTNAME] [--no-aot]");
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
