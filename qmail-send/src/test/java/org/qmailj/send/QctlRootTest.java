package org.qmailj.send;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Proc;
import org.qmailj.testing.RootOnly;

/**
 * The control channel as root, with lib/ids naming qmails 40010: the socket is 0600 and
 * qmails's; a client running as qmails is served; one running as another uid is refused by
 * the file mode, and, with the mode opened up on purpose, still by SO_PEERCRED.
 */
@RootOnly
class QctlRootTest {
    private static final int QMAILS = 40010;
    private static final int OTHER = 40099;
    private static final String IDS = "alias:40014:40021\nqmaild:40015:40021\nqmaill:40013:40021\nroot:0:0\nqmailp:40016:40021\n"
            + "qmailq:40012:40020\nqmailr:40011:40020\nqmails:" + QMAILS + ":40020\nnofiles:40021\nqmail:40020\n";
    private static final String CLIENT = "import socket,sys\n"
            + "s=socket.socket(socket.AF_UNIX)\n"
            + "try:\n s.connect(sys.argv[1])\nexcept OSError as e:\n print('connect: '+e.strerror); sys.exit(0)\n"
            + "s.sendall(b'ping\\n'); s.shutdown(socket.SHUT_WR)\n"
            + "b=b''\nwhile True:\n d=s.recv(100)\n if not d: break\n b+=d\n"
            + "sys.stdout.write(b.decode())\n";

    @TempDir Path home;
    @org.junit.jupiter.api.extension.RegisterExtension
    final ProcessHarness.Tracker harnesses = new ProcessHarness.Tracker();


    private static void openUp(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (Files.isSymbolicLink(p) || p.getFileName().toString().endsWith(".ctl")) continue;
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxrwxrwx" : "rw-rw-rw-"));
            }
        }
    }

    private String run(Path out, long id, String... args) {
        var o = new java.io.ByteArrayOutputStream();
        var e = new java.io.ByteArrayOutputStream();
        int code = QmailQctl.run(args, new org.qmailj.common.queue.QueueLayout(home.resolve("queue")), new java.io.PrintStream(o, true),
                new java.io.PrintStream(e, true));
        return code + " " + o + e;
    }

    /**
     * The real thing: qmail-start as root, qmail-send binds its socket and makes queue/held/ as
     * root, then becomes qmails; it still serves root and qmails, and acts as qmails.
     */
    @Test
    void qmailSendStartedAsRootServesAfterBecomingQmails() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        ProcessHarness h = new ProcessHarness(tq);
        harnesses.track(h);
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), IDS);
        Path out = home.resolve("logger.out");
        Files.writeString(out, "");
        openUp(home);
        for (String bin : new String[] {"qmail-send", "qmail-clean", "qmail-lspawn", "qmail-rspawn"}) {
            Files.setPosixFilePermissions(home.resolve("bin").resolve(bin), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        h.start("/bin/sh", "-c", "exec cat > " + out);
        h.await("status line", () -> read(out).contains("status: local 0/10 remote 0/20\n"), 60);
        h.await("the control socket", () -> QctlTest.pings(ControlServer.socket(tq.q)), 60);
        Path socket = ControlServer.socket(tq.q);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals(QMAILS, Files.getAttribute(socket, "unix:uid"));
        Path held = QueueActions.heldDir(tq.q);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(held)));
        assertEquals(QMAILS, Files.getAttribute(held, "unix:uid"));

        long n = tq.inject("rootq@x", "me@domain", "defer1@remote.example");
        openUp(tq.q.root());
        h.await("a deferral", () -> read(out).contains("delivery 1: deferral: "), 60);
        assertEquals("0 ok " + n + " held\n", run(out, n, "hold", Long.toString(n)));
        assertEquals(QMAILS, Files.getAttribute(held.resolve(Long.toString(n)), "unix:uid"));
        for (Path d : List.of(home, tq.q.root(), tq.q.lockDir())) Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx--x--x"));
        assertEquals("ok pong\n.\n", asUser(QMAILS, socket));
        assertEquals("connect: Permission denied\n", asUser(OTHER, socket));
        assertEquals("0 ok " + n + " deleted 1 recipient\n", run(out, n, "delete", Long.toString(n)));
        h.await("end msg", () -> read(out).contains("end msg " + n + "\n"), 60);
        assertTrue(!Files.exists(held.resolve(Long.toString(n))));
        h.signal(Proc.SIGTERM);
        assertEquals(0, h.waitExit(60));
        // qmails cannot unlink in queue/lock: the socket stays, stale, until the next start removes it.
        assertEquals("connect: Connection refused\n", asUser(0, socket));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private static String asUser(int uid, Path socket) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                "/usr/bin/python3", "-c", CLIENT, socket.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void onlyRootAndQmailsAreServed() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), IDS);
        try (SendHarness h = new SendHarness(tq).start()) {
            Path socket = ControlServer.socket(tq.q);
            h.await("the control socket", () -> QctlTest.pings(socket), 20);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertEquals(QMAILS, Files.getAttribute(socket, "unix:uid"));
            for (Path d : List.of(home, tq.q.root(), tq.q.lockDir())) Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx--x--x"));

            assertEquals("ok pong\n.\n", asUser(QMAILS, socket));
            assertEquals("connect: Permission denied\n", asUser(OTHER, socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            assertEquals("error permission denied\n.\n", asUser(OTHER, socket));
            assertEquals("ok pong\n.\n", asUser(0, socket));
            assertEquals(0, h.stop());
        }
    }
}
