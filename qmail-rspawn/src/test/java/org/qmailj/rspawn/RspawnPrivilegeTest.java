package org.qmailj.rspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.remote.ScriptedServer;
import org.qmailj.testing.RootOnly;

/**
 * Started as root, qmail-rspawn becomes qmailr with group qmail (here: nobody/nogroup, from
 * lib/ids) before it does anything, and still delivers a message owned by qmailq.
 */
@RootOnly
class RspawnPrivilegeTest {
    @TempDir
    Path home;

    @Test
    void dropsToQmailrAndDelivers() throws Exception {
        int nobody = uidOf("nobody");
        int nogroup = gidOf("nogroup");
        try (ScriptedServer server = new ScriptedServer("127.0.0.1")) {
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createDirectories(home.resolve("lib"));
            Files.writeString(home.resolve("lib/ids"), "qmailq:0:0\nqmailr:" + nobody + ":" + nogroup + "\nqmail:" + nogroup + "\n");
            Files.createDirectories(home.resolve("control"));
            Files.writeString(home.resolve("control/me"), "me.test\n");
            Files.writeString(home.resolve("control/smtproutes"), "example.test:127.0.0.1:" + server.port() + "\n");
            Files.createDirectories(home.resolve("queue/mess/7"));
            Files.createDirectories(home.resolve("queue/lock"));
            Files.writeString(home.resolve("queue/mess/7/30"), "m\n");
            ProcessBuilder pb = org.qmailj.testing.DefaultSignals.builder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", readableClassPath(home.resolve("cp")),
                    "org.qmailj.rspawn.QmailRspawn"));
            pb.environment().put("QMAIL_HOME", home.toString());
            pb.redirectError(home.resolve("stderr").toFile());
            Process p = pb.start();
            try {
                OutputStream to = p.getOutputStream();
                InputStream from = p.getInputStream();
                assertThat(from.readNBytes(3)).as("the wide hello").containsExactly(0, 0xff, 0xff);
                String status = Files.readString(Path.of("/proc/" + p.pid() + "/status"));
                assertThat(status).contains("Uid:\t" + nobody + "\t" + nobody + "\t" + nobody + "\t" + nobody + "\n");
                assertThat(status).contains("Gid:\t" + nogroup + "\t" + nogroup + "\t" + nogroup + "\t" + nogroup + "\n");
                assertThat(status).containsPattern("\nGroups:\\s+" + nogroup + "\\s*\n");
                to.write(new byte[] {5, 1}); // delnum 261, two bytes
                to.write("7/30\0s@x.test\0r@example.test\0".getBytes(StandardCharsets.ISO_8859_1));
                to.flush();
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                int c;
                while ((c = from.read()) > 0) b.write(c);
                assertThat(b.toString(StandardCharsets.ISO_8859_1)).as(Files.readString(home.resolve("stderr"))).startsWith("\u0005\u0001K127.0.0.1 accepted message.");
                to.close();
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            } finally {
                p.destroyForcibly();
            }
        }
    }

    /**
     * The test's class path copied where qmailr can read it: classes load lazily, after the
     * drop, and the build's own copies (e.g. under /root/.m2) may be closed to other users.
     * An installed tree keeps its jars world-readable in QMAIL_HOME/lib.
     */
    private static String readableClassPath(Path dir) throws IOException {
        StringBuilder cp = new StringBuilder();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.exists(from)) continue;
            Path to = dir.resolve(Integer.toString(n++) + (Files.isDirectory(from) ? "" : ".jar"));
            try (var walk = Files.walk(from)) {
                for (Path f : (Iterable<Path>) walk::iterator) {
                    Path t = to.resolve(from.relativize(f).toString());
                    if (Files.isDirectory(f)) Files.createDirectories(t);
                    else {
                        Files.createDirectories(t.getParent());
                        Files.copy(f, t);
                    }
                }
            }
            if (cp.length() > 0) cp.append(java.io.File.pathSeparator);
            cp.append(to);
        }
        try (var walk = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) walk::iterator) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(Files.isDirectory(f) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return cp.toString();
    }

    private static int uidOf(String user) throws IOException {
        for (String l : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = l.split(":");
            if (f[0].equals(user)) return Integer.parseInt(f[2]);
        }
        throw new AssertionError("no user " + user);
    }

    private static int gidOf(String group) throws IOException {
        for (String l : Files.readAllLines(Path.of("/etc/group"))) {
            String[] f = l.split(":");
            if (f[0].equals(group)) return Integer.parseInt(f[2]);
        }
        throw new AssertionError("no group " + group);
    }
}
