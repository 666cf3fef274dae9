package org.qmailj.analog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** matchup as a program: stdin to stdout, and the pending state on fd 5 when the caller opens it. */
class MatchupProgramTest {
    @TempDir Path dir;

    private int run(String shell) throws Exception {
        String cp = Path.of(Matchup.class.getProtectionDomain().getCodeSource().getLocation().toURI()) + java.io.File.pathSeparator
                + Path.of(org.qmailj.common.Exit.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String java = Path.of(System.getProperty("java.home"), "bin", "java") + " --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -cp " + cp;
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", shell.replace("JAVA", java)).directory(dir.toFile());
        pb.redirectError(dir.resolve("stderr").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    @Test
    void pendingGoesToFd5AndTheReportsReadStdin() throws Exception {
        Files.writeString(dir.resolve("log"), ReportsTest.log(), StandardCharsets.ISO_8859_1);
        assertThat(run("JAVA org.qmailj.analog.Matchup < log > out 5> pending && JAVA org.qmailj.analog.ZOverall < out > overall")).isZero();
        assertThat(Files.readString(dir.resolve("out"))).isEqualTo(ReportsTest.matchup(ReportsTest.log(), null));
        assertThat(Files.readAllLines(dir.resolve("pending"))).containsExactly(
                SyntheticLog.stamp(30) + " info msg 104: bytes 70 from <c@y> qp 15 uid 300",
                SyntheticLog.stamp(30) + " extra 104 0 0 0",
                SyntheticLog.stamp(31) + " starting delivery 7: msg 104 to remote e@far.example");
        assertThat(Files.readString(dir.resolve("overall"))).contains("Completed messages: 3\n", "Bytes in completed messages: 6200\n");
        assertThat(Files.readString(dir.resolve("stderr"))).isEmpty();
    }

    @Test
    void withoutFd5ThePendingStateIsLeftOut() throws Exception {
        Files.writeString(dir.resolve("log"), ReportsTest.log(), StandardCharsets.ISO_8859_1);
        assertThat(run("JAVA org.qmailj.analog.Matchup < log > out")).isZero();
        List<String> lines = Files.readAllLines(dir.resolve("out"));
        assertThat(lines).hasSize(11).noneMatch(l -> l.contains("extra"));
        assertThat(Files.readString(dir.resolve("stderr"))).isEmpty();
    }
}
