package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Proc;
import org.qmailj.testing.RootOnly;

/**
 * qmail-start as root with lib/ids naming a distinct uid for each role: qmail-lspawn stays
 * root, qmail-rspawn, qmail-clean and qmail-send become their users through
 * Privileges.become (real, effective, saved and filesystem uid and gid, and no supplementary
 * group but their own, read from /proc/PID/status of the running processes), a C logger (a
 * shell) runs as qmaill, and the queue still works. A process that cannot be what lib/ids
 * says stops.
 */
@RootOnly
class QmailStartRootTest {
    private static final int QMAILS = 40010;
    private static final int QMAILR = 40011;
    private static final int QMAILQ = 40012;
    private static final int QMAILL = 40013;
    private static final int QMAIL = 40020;
    private static final int NOFILES = 40021;
    private static final String IDS = "alias:40014:" + NOFILES + "\nqmaild:40015:" + NOFILES + "\nqmaill:" + QMAILL + ":" + NOFILES
            + "\nroot:0:0\nqmailp:40016:" + NOFILES + "\nqmailq:" + QMAILQ + ":" + QMAIL + "\nqmailr:" + QMAILR + ":" + QMAIL
            + "\nqmails:" + QMAILS + ":" + QMAIL + "\nnofiles:" + NOFILES + "\nqmail:" + QMAIL + "\n";

    @org.junit.jupiter.api.extension.RegisterExtension
    final ProcessHarness.Tracker harnesses = new ProcessHarness.Tracker();


    @TempDir Path home;

    /** The Uid:, Gid: and Groups: lines of a running process, blanks squeezed. */
    private static List<String> ids(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("Uid:") || l.startsWith("Gid:") || l.startsWith("Groups:"))
                .map(l -> l.replaceAll("\\s+", " ").trim()).toList();
    }

    private static void awaitIds(ProcessHarness h, String what, java.util.function.LongSupplier pid, List<String> want)
            throws InterruptedException {
        h.await(what + " running as " + want, () -> {
            try {
                return ids(pid.getAsLong()).equals(want);
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }, 30);
    }

    private static List<String> expect(int uid, int gid) {
        return List.of("Uid: " + uid + " " + uid + " " + uid + " " + uid, "Gid: " + gid + " " + gid + " " + gid + " " + gid, "Groups: " + gid);
    }

    /** Everyone may use the test tree: each daemon runs as a different uid. */
    private static void openUp(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxrwxrwx" : "rw-rw-rw-"));
            }
        }
    }

    @Test
    void eachDaemonRunsAsExactlyItsUser() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        ProcessHarness h = new ProcessHarness(tq);
        harnesses.track(h);
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), IDS);
        Path out = home.resolve("logger.out");
        Path loggerIds = home.resolve("logger.ids");
        Files.writeString(out, "");
        Files.writeString(tq.home.resolve("deliveries"), "");
        openUp(home);
        for (String bin : new String[] {"qmail-send", "qmail-clean", "qmail-lspawn", "qmail-rspawn"}) {
            Files.setPosixFilePermissions(home.resolve("bin").resolve(bin), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        // A C program as the logger: it cannot drop privileges itself.
        h.start("/bin/sh", "-c", "id -u > " + loggerIds + "; id -g >> " + loggerIds + "; id -G >> " + loggerIds + "; exec cat > " + out);
        h.await("status line", () -> {
            try {
                return Files.readString(out).contains("status: local 0/10 remote 0/20\n");
            } catch (IOException e) {
                return false;
            }
        }, 60);
        assertThat(Files.readAllLines(loggerIds)).containsExactly("" + QMAILL, "" + NOFILES, "" + NOFILES);
        ProcessHandle logger = h.children().stream().filter(c -> c.info().command().orElse("").endsWith("/cat")).findFirst().orElseThrow();
        // Each daemon drops its own privileges as it starts, concurrently with qmail-send's
        // first status line: wait for the drop to finish, then look.
        awaitIds(h, "qmail-clean", () -> h.child("QmailClean").orElseThrow().pid(), expect(QMAILQ, QMAIL));
        awaitIds(h, "qmail-rspawn", () -> h.child("QMAILR").orElseThrow().pid(), expect(QMAILR, QMAIL));
        assertThat(ids(logger.pid())).as("the logger").isEqualTo(expect(QMAILL, NOFILES));
        assertThat(ids(h.sendPid())).as("qmail-send").isEqualTo(expect(QMAILS, QMAIL));
        assertThat(ids(h.child("QmailClean").orElseThrow().pid())).as("qmail-clean").isEqualTo(expect(QMAILQ, QMAIL));
        assertThat(ids(h.child("QMAILR").orElseThrow().pid())).as("qmail-rspawn").isEqualTo(expect(QMAILR, QMAIL));
        assertThat(ids(h.child(" ROOT").orElseThrow().pid()).getFirst()).as("qmail-lspawn stays root").isEqualTo("Uid: 0 0 0 0");
        assertThat(h.children()).hasSize(4);

        long n = tq.inject("root@x", "me@domain", "me", "you@remote.example");
        openUp(tq.q.root());
        h.await("delivered", () -> {
            try {
                return Files.readString(out).contains("end msg " + n + "\n");
            } catch (IOException e) {
                return false;
            }
        }, 60);
        assertThat(Files.getAttribute(tq.q.info(n).getParent(), "unix:uid")).isNotNull();
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
    }

    @Test
    void aDaemonThatIsNotWhatLibIdsSaysStops() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        ProcessHarness h = new ProcessHarness(tq);
        harnesses.track(h);
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), IDS);
        // qmail-send reopens its fd 0 (here the log file, not a pipe) by /proc/self/fd/0.
        Files.writeString(h.log, "");
        openUp(home);
        for (String bin : new String[] {"qmail-send", "qmail-clean", "qmail-lspawn", "qmail-rspawn"}) {
            Files.setPosixFilePermissions(home.resolve("bin").resolve(bin), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        // qmail-start as nobody (a sandbox started by the wrong account): nothing can become
        // the users lib/ids names, and every daemon says so and exits 111.
        h.startWrapped(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
        int exit = h.waitExit(60);
        // Run as the user nobody, the JVMs need a class path that user can read: under `mvn -pl` with some
        // modules taken from /root/.m2 (mode 700) they cannot start (NoClassDefFoundError, exit 1).
        assertThat(exit).as("qmail-start's exit as the user nobody (one it cannot read on the class path? run the reactor, "
                + "scripts/test); its stderr:%n%s", stderrOf(home)).isEqualTo(111);
        h.await("three helpers stopped", () -> {
            try {
                return Files.readString(home.resolve("stderr")).lines().filter(l -> l.contains(": fatal: ")).count() >= 3;
            } catch (IOException e) {
                return false;
            }
        }, 60);
        assertThat(h.logText()).as(Files.readString(home.resolve("stderr"))).isEqualTo("qmail-send: fatal: unable to become qmails (uid " + QMAILS + " gid " + QMAIL + "): "
                + "real/effective/saved uid is 65534/65534/65534\n");
        String stderr = Files.readString(home.resolve("stderr"));
        assertThat(stderr).contains("qmail-clean: fatal: unable to become qmailq (uid " + QMAILQ + " gid " + QMAIL + "): "
                + "real/effective/saved uid is 65534/65534/65534\n");
        assertThat(stderr).contains("fake-spawner: fatal: unable to become qmailr (uid " + QMAILR + " gid " + QMAIL + "): "
                + "real/effective/saved uid is 65534/65534/65534\n");
        assertThat(stderr).contains("fake-spawner: fatal: unable to become root (uid 0 gid 0): "
                + "real/effective/saved uid is 65534/65534/65534\n");
    }

    private static String stderrOf(Path home) {
        try {
            return Files.readString(home.resolve("stderr"));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
