package org.qmailj.splogger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * Start-up recovery from every state a crash can leave a log directory in, compared with
 * what Debian's multilog makes of the same directory: file names (stamps normalised),
 * contents and modes.
 */
class MultilogRecoveryTest {
    @TempDir
    Path tmp;

    private interface Setup {
        void make(Path log) throws IOException;
    }

    private static void file(Path p, String content, String mode) throws IOException {
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    /** Sorted "name mode content" lines, @-stamps replaced by @S. */
    private static List<String> snapshot(Path log) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(log)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString().replaceAll("^@[0-9a-f]{24}", "@S");
                out.add(name + " " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)) + " "
                        + Files.readString(p, StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    private List<String> recover(boolean ours, String name, Setup setup) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name + ours));
        Path log = Files.createDirectories(dir.resolve("log"));
        setup.make(log);
        Cmd.Result r = Cmd.run(Tools.multilog(ours, "./log"), Map.of(), dir, "new\n".getBytes(StandardCharsets.US_ASCII), 60);
        assertThat(r.exit()).as(r.toString()).isZero();
        return snapshot(log);
    }

    private void same(String name, Setup setup) throws Exception {
        List<String> ours = recover(true, name, setup);
        List<String> debian = recover(false, name, setup);
        assertThat(ours).as(name).isEqualTo(debian);
    }

    @Test
    void killedWhileWritingCurrent() throws Exception {
        same("current", log -> file(log.resolve("current"), "c1\nc2 cut", "rw-r--r--"));
    }

    @Test
    void killedAfterCleanEnd() throws Exception {
        same("clean", log -> {
            file(log.resolve("current"), "done\n", "rwxr--r--");
            file(log.resolve("state"), "", "rw-r--r--");
        });
    }

    @Test
    void killedWhileTheProcessorRan() throws Exception {
        same("processing", log -> {
            file(log.resolve("current"), "", "rw-r--r--");
            file(log.resolve("previous"), "p1\np2\n", "rwxr--r--");
            file(log.resolve("processed"), "P1\n", "rw-r--r--");
            file(log.resolve("state"), "s\n", "rw-r--r--");
            file(log.resolve("newstate"), "ns\n", "rw-r--r--");
        });
    }

    @Test
    void killedAfterTheProcessorFinished() throws Exception {
        same("processed", log -> {
            file(log.resolve("current"), "c\n", "rw-r--r--");
            file(log.resolve("previous"), "p1\np2\n", "rwxr--r--");
            file(log.resolve("processed"), "P1\nP2\n", "rwxr--r--");
            file(log.resolve("state"), "s\n", "rw-r--r--");
        });
    }

    @Test
    void killedBetweenLinkAndUnlink() throws Exception {
        same("linked", log -> {
            file(log.resolve("current"), "c\n", "rw-r--r--");
            file(log.resolve("previous"), "p\n", "rwxr--r--");
            Files.createLink(log.resolve("@400000006b0c01bf209894e4.s"), log.resolve("previous"));
        });
        List<String> after = recover(true, "linked2", log -> {
            file(log.resolve("previous"), "p\n", "rwxr--r--");
            Files.createLink(log.resolve("@400000006b0c01bf209894e4.s"), log.resolve("previous"));
        });
        // the old log appears once, not a second time as .u
        assertThat(after.stream().filter(l -> l.endsWith(" p\n"))).hasSize(1);
    }
}
