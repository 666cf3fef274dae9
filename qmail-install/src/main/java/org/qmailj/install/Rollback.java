package org.qmailj.install;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * qmail-install --rollback [DIR]: the way back from an {@link Upgrade}. With qmail-send
 * stopped, it stops the qmail-queued service the upgrade added, undoes what lib/installed
 * records (links, man pages, raised softlimits), renames netqmail's bin/ and man/ back (the
 * exact files that were there: the rename never copied them), and removes this suite's lib/
 * and supervise/qmail-queued. The queue, control/, users/, alias/, rc and boot/ stay: the
 * queue is in netqmail's format, so netqmail's qmail-send goes on with whatever is left in it.
 */
final class Rollback {
    private final Path home;
    private final PrintStream err;

    Rollback(Path home, PrintStream err) {
        this.home = home;
        this.err = err;
    }

    /** false when DIR holds no upgrade from netqmail to roll back (nothing is changed). */
    boolean run() throws IOException {
        Manifest m = Manifest.load(home);
        if (!m.hasKind("upgraded")) return false;
        Upgrade.refuseWhileQmailSendRuns(home);
        stopQueued(m);
        Uninstall undo = new Uninstall(home, err);
        for (String[] e : m.reversed()) {
            if (e[0].equals("upgraded")) continue;
            undo.undo(e);
            m.remove(e);
        }
        for (String[] e : m.reversed()) {
            if (!e[0].equals("upgraded")) continue;
            Path orig = Path.of(e[1]);
            Path aside = Path.of(e[2]);
            if (!Files.isDirectory(aside, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(aside + " is missing: cannot put " + orig + " back");
            }
            Path ours = orig.resolveSibling(orig.getFileName() + ".qmailj-" + ProcessHandle.current().pid());
            if (Files.exists(orig, LinkOption.NOFOLLOW_LINKS)) Files.move(orig, ours, StandardCopyOption.ATOMIC_MOVE);
            Files.move(aside, orig, StandardCopyOption.ATOMIC_MOVE);
            m.remove(e);
            delete(ours);
            err.println("qmail-install: " + orig + " is netqmail's again");
        }
        Files.deleteIfExists(home.resolve("queue/lock/qmail-queue.sock"));
        // qmail-queued made these two searchable by all (o+x) for its socket; netqmail has 0750.
        for (Path d : List.of(home.resolve("queue"), home.resolve("queue/lock"))) {
            if (Files.isDirectory(d)) Files.setAttribute(d, "unix:mode", 0750);
        }
        delete(home.resolve("supervise/qmail-queued"));
        delete(home.resolve("lib"));
        return true;
    }

    /**
     * The qmail-queued service: its link leaves the scan directory first (svscan would start
     * it again), then svc -dx ends its supervise and its log's, and we wait for them to go.
     */
    private void stopQueued(Manifest m) throws IOException {
        Path dir = home.resolve("supervise/qmail-queued");
        for (String[] e : m.reversed()) {
            if (e[0].equals("link") && Files.isSymbolicLink(Path.of(e[1])) && Files.readSymbolicLink(Path.of(e[1])).equals(dir)) {
                Files.delete(Path.of(e[1]));
                m.remove(e);
            }
        }
        Path svc = home.resolve("bin/svc");
        Path svok = home.resolve("bin/svok");
        if (!Files.isExecutable(svc) || !Files.isDirectory(dir)) return;
        List<Path> dirs = new ArrayList<>(List.of(dir, dir.resolve("log")));
        for (Path d : dirs) MtaSetup.quiet(svc.toString(), "-dx", d.toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (Path d : dirs) {
            while (Files.isExecutable(svok) && MtaSetup.quiet(svok.toString(), d.toString()) == 0) {
                if (System.nanoTime() > deadline) throw new IOException("supervise of " + d + " did not stop: stop it, then run --rollback again");
                pause();
            }
        }
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private static void delete(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(x);
        }
    }
}
