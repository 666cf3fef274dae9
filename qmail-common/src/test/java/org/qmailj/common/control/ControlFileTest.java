package org.qmailj.common.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlFileTest {
    @TempDir Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, java.nio.charset.StandardCharsets.ISO_8859_1);
        return p;
    }

    @Test
    void singleLineIsFirstLineWithTrailingBlanksRemoved() throws Exception {
        assertThat(ControlFile.readLine(write("me", "mail.example.com \t\nsecond\n"))).contains("mail.example.com");
        assertThat(ControlFile.readLine(write("a", "no newline"))).contains("no newline");
        assertThat(ControlFile.readLine(write("b", ""))).contains("");
        assertThat(ControlFile.readLine(write("c", "  leading kept\n"))).contains("  leading kept");
        assertThat(ControlFile.readLine(write("d", "# not a comment here\n"))).contains("# not a comment here");
    }

    @Test
    void missingFileIsEmptyNotError() throws Exception {
        assertThat(ControlFile.readLine(dir.resolve("nope"))).isEmpty();
        assertThat(ControlFile.readList(dir.resolve("nope"))).isEmpty();
        assertThat(ControlFile.readInt(dir.resolve("nope"))).isEmpty();
    }

    @Test
    void listDropsCommentsAndBlankLines() throws Exception {
        Path p = write("locals", "# comment\nexample.com  \n\n \t\nlocalhost\n#x\nlast");
        assertThat(ControlFile.readList(p)).contains(List.of("example.com", "localhost", "last"));
    }

    @Test
    void bytesSurviveAsLatin1() throws Exception {
        Files.write(dir.resolve("x"), new byte[] {'a', (byte) 0xE9, '\n'});
        assertThat(ControlFile.readLine(dir.resolve("x")).orElseThrow()).isEqualTo("a\u00e9");
    }

    @Test
    void integers() throws Exception {
        assertThat(ControlFile.readInt(write("n", "120\n"))).contains(120L);
        assertThat(ControlFile.readInt(write("n2", "0 \n"))).contains(0L);
    }

    @Test
    void malformedIntegerNamesFileAndLine() throws Exception {
        Path p = write("concurrencylocal", "12x\n");
        assertThatThrownBy(() -> ControlFile.readInt(p))
                .isInstanceOf(ControlException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("line 1").hasMessageContaining("12x");
        assertThatThrownBy(() -> ControlFile.readInt(write("e", "\n"))).isInstanceOf(ControlException.class);
        assertThatThrownBy(() -> ControlFile.readInt(write("neg", "-5\n"))).isInstanceOf(ControlException.class);
        assertThatThrownBy(() -> ControlFile.readInt(write("big", "99999999999999999999999\n"))).isInstanceOf(ControlException.class);
    }

    @Test
    void unreadableFileIsAnErrorNotADefault() throws Exception {
        Path p = dir.resolve("subdir-as-file");
        Files.createDirectory(p);
        assertThatThrownBy(() -> ControlFile.readLine(p)).isInstanceOf(ControlException.class).hasMessageContaining(p.toString());
        Path q = write("secret", "x\n");
        Files.setPosixFilePermissions(q, PosixFilePermissions.fromString("---------"));
        if (!"root".equals(System.getProperty("user.name"))) {
            assertThatThrownBy(() -> ControlFile.readLine(q)).isInstanceOf(ControlException.class);
        }
    }

    @Test
    void controlDirDefaultsFollowQmailControl() throws Exception {
        ControlDir c = new ControlDir(dir);
        assertThat(c.lineOrMe("bouncehost", "bouncehost")).isEqualTo("bouncehost");
        assertThat(c.listOrMe("locals")).isEmpty();
        write("me", "host.example\n");
        assertThat(c.lineOrMe("bouncehost", "bouncehost")).isEqualTo("host.example");
        assertThat(c.listOrMe("locals")).contains(List.of("host.example"));
        write("bouncehost", "bounces.example\n");
        assertThat(c.lineOrMe("bouncehost", "bouncehost")).isEqualTo("bounces.example");
        assertThat(c.line("bouncefrom", "MAILER-DAEMON")).isEqualTo("MAILER-DAEMON");
        assertThat(c.integer("concurrencyremote", 20)).isEqualTo(20);
        write("concurrencyremote", "2000\n");
        assertThat(c.integer("concurrencyremote", 20, 0, 65000)).isEqualTo(2000);
        assertThatThrownBy(() -> c.integer("concurrencyremote", 20, 0, 100)).isInstanceOf(ControlException.class)
                .hasMessageContaining("concurrencyremote");
        assertThat(c.list("rcpthosts")).isEmpty();
    }
}
