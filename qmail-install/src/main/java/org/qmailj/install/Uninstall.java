package org.qmailj.install;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * qmail-install --uninstall DIR: stops the services, undoes what lib/installed records
 * (newest first: files and links removed, a kept-aside sendmail put back, users and groups
 * deleted, log directories removed when empty), then removes DIR. A queue that still holds
 * messages is left in place, with everything else removed, and said so on stderr.
 */
final class Uninstall {
    private final Path home;
    private final PrintStream err;

    Uninstall(Path home, PrintStream err) {
        this.home = home;
        this.err = err;
    }

    void run() throws IOException {
        stopServices();
        Manifest m = Manifest.load(home);
        for (String[] e : m.reversed()) {
            undo(e);
            m.remove(e);
        }
        long queued = queuedMessages();
        if (queued > 0) {
            try (Stream<Path> top = Files.list(home)) {
                for (Path p : (Iterable<Path>) top::iterator) if (!p.getFileName().toString().equals("queue")) delete(p);
            }
            err.println("qmail-install: " + home.resolve("queue") + " still holds " + queued
                    + " message(s): left in place; deliver or remove them, then remove " + home);
        } else {
            delete(home);
        }
    }

    void undo(String[] e) throws IOException {
        switch (e[0]) {
            case "file", "link" -> Files.deleteIfExists(Path.of(e[1]));
            case "moved" -> {
                Path orig = Path.of(e[1]);
                Path aside = Path.of(e[2]);
                if (Files.exists(aside, LinkOption.NOFOLLOW_LINKS) && !Files.exists(orig, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(aside, orig);
                }
            }
            case "rewrote" -> {
                // an upgrade's edited run script: the saved original goes back
                Path saved = Path.of(e[2]);
                if (Files.exists(saved)) Files.move(saved, Path.of(e[1]), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            case "dir" -> {
                try {
                    Files.deleteIfExists(Path.of(e[1]));
                } catch (DirectoryNotEmptyException x) {
                    err.println("qmail-install: " + e[1] + " is not empty: left in place");
                }
            }
            // A third field is the scratch prefix whose etc/ files hold the account.
            case "user" -> retried(account("userdel", e)); // refused while a process of the user lingers
            case "group" -> command(account("groupdel", e));
            default -> err.println("qmail-install: warning: unknown entry in lib/installed: " + String.join(" ", e));
        }
    }

    /**
     * Stops svscan first (as stopping the systemd unit would), since svscan restarts any
     * supervise that exits; then svc -dx on every service and its log service, and waits for
     * each supervise to go.
     */
    private void stopServices() throws IOException {
        stopScanners();
        Path svc = home.resolve("bin").resolve("svc");
        Path svok = home.resolve("bin").resolve("svok");
        Path services = home.resolve("service");
        if (!Files.isExecutable(svc) || !Files.isDirectory(services)) return;
        List<Path> dirs;
        try (Stream<Path> s = Files.list(services)) {
            dirs = s.flatMap(d -> Stream.of(d, d.resolve("log"))).filter(Files::isDirectory).toList();
        }
        for (Path d : dirs) command(svc.toString(), "-dx", d.toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Path d : dirs) {
            while (Files.isExecutable(svok) && MtaSetup.quiet(svok.toString(), d.toString()) == 0 && System.nanoTime() < deadline) {
                sleep();
            }
        }
    }

    /** Every svscan (or svscan-inprocess) of this QMAIL_HOME's service directory, by /proc. */
    private void stopScanners() throws IOException {
        String services = home.resolve("service").toString();
        List<ProcessHandle> scanners;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            scanners = procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), java.nio.charset.StandardCharsets.ISO_8859_1);
                            return cmd.contains("org.qmailj.supervise.Svscan") && cmd.contains(services);
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .map(p -> ProcessHandle.of(Long.parseLong(p.getFileName().toString())))
                    .flatMap(java.util.Optional::stream).toList();
        }
        for (ProcessHandle h : scanners) h.destroy();
        // svscan-inprocess takes its services down before it exits (qmail-send finishing its
        // deliveries): as long as systemd's default stop timeout.
        for (ProcessHandle h : scanners) {
            try {
                h.onExit().get(90, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }

    private long queuedMessages() throws IOException {
        Path mess = home.resolve("queue").resolve("mess");
        if (!Files.isDirectory(mess)) return 0;
        try (Stream<Path> s = Files.walk(mess, 2)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    private static void delete(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                try {
                    Files.delete(x);
                } catch (NoSuchFileException e) {
                    // gone already
                }
            }
        }
    }

    private static String[] account(String tool, String[] e) {
        return e.length > 2 ? new String[] {tool, "--prefix", e[2], e[1]} : new String[] {tool, e[1]};
    }

    /** A command that may fail while the services wind down: tried for up to 15 seconds. */
    private void retried(String... cmd) throws IOException {
        for (int i = 0; i < 30; i++) {
            if (MtaSetup.quiet(cmd) == 0) return;
            sleep500();
        }
        command(cmd);
    }

    private static void sleep500() throws IOException {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private void command(String... cmd) throws IOException {
        if (MtaSetup.quiet(cmd) != 0) err.println("qmail-install: warning: " + String.join(" ", cmd) + " failed");
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
