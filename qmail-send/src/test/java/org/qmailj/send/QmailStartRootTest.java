package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Proc;
import org.qmailj.testing.RootOnly;

/**
 * qmail-start as root with lib/ids: qmail-lspawn stays root, qmail-rspawn, qmail-clean and
 * qmail-send drop to their users (here all "nobody", 65534) as their first act, and the
 * queue still works.
 */
@RootOnly
class QmailStartRootTest {
    private final java.util.List<ProcessHarness> harnesses = new java.util.ArrayList<>();

    private ProcessHarness track(ProcessHarness h) {
        harnesses.add(h);
        return h;
    }

    @org.junit.jupiter.api.AfterEach
    void killLeftovers() {
        harnesses.forEach(ProcessHarness::destroy);
    }

    @TempDir Path home;

    private static String uidLine(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
    }

    @Test
    void childrenRunUnderTheirIds() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        ProcessHarness h = track(new ProcessHarness(tq));
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), "alias:65534:65534\nqmaild:65534:65534\nqmaill:65534:65534\nroot:0:0\n"
                + "qmailp:65534:65534\nqmailq:65534:65534\nqmailr:65534:65534\nqmails:65534:65534\nnofiles:65534\nqmail:65534\n");
        try (Stream<Path> s = Files.walk(home)) {
            for (Path p : s.toList()) Files.setAttribute(p, "unix:uid", 65534);
        }
        Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path out = home.resolve("logger.out");
        Files.writeString(out, "");
        Files.setAttribute(out, "unix:uid", 65534);
        h.start("sh", "-c", "exec cat > " + out);
        h.await("status line", () -> {
            try {
                return Files.readString(out).contains("status: local 0/10 remote 0/20\n");
            } catch (IOException e) {
                return false;
            }
        }, 60);
        ProcessHandle logger = h.children().stream().filter(c -> c.info().command().orElse("").endsWith("/cat")).findFirst().orElseThrow();
        assertThat(uidLine(logger.pid())).as("the logger runs as qmaill").isEqualTo("Uid:\t65534\t65534\t65534\t65534");
        assertThat(uidLine(h.sendPid())).isEqualTo("Uid:\t65534\t65534\t65534\t65534");
        ProcessHandle clean = h.child("QmailClean").orElseThrow();
        assertThat(uidLine(clean.pid())).isEqualTo("Uid:\t65534\t65534\t65534\t65534");
        long roots = h.children().stream().filter(c -> {
            try {
                return uidLine(c.pid()).equals("Uid:\t0\t0\t0\t0");
            } catch (IOException e) {
                return false;
            }
        }).count();
        assertThat(roots).as("only qmail-lspawn stays root").isEqualTo(1);
        assertThat(h.children()).hasSize(4);

        long n = tq.inject("root@x", "me@domain", "me");
        for (Path p : new Path[] {tq.q.mess(n), tq.q.todo(n), tq.q.intd(n)}) Files.setAttribute(p, "unix:uid", 65534);
        h.await("delivered", () -> {
            try {
                return Files.readString(out).contains("end msg " + n + "\n");
            } catch (IOException e) {
                return false;
            }
        }, 60);
        h.signal(Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();
    }
}
