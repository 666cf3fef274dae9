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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
            h.await("the control socket", () -> Files.exists(socket), 20);
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
