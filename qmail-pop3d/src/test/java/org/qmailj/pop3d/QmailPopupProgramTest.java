package org.qmailj.pop3d;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * bin/qmail-popup as a program on pipes: how its subprogram is run (PATH search, descriptor 3,
 * stderr on the connection) and what qmail-popup says about how it ended.
 */
class QmailPopupProgramTest {
    @TempDir
    Path dir;

    Cmd.Result popup(String input, String... subprogram) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "org.qmailj.pop3d.QmailPopup", "pop.example"));
        cmd.addAll(List.of(subprogram));
        return Cmd.run(cmd, Map.of("PATH", dir + ":/usr/bin:/bin"), dir, input.getBytes(StandardCharsets.ISO_8859_1), 60);
    }

    @Test
    void theSubprogramGetsDescriptor3TheConnectionAndStderrOnIt() throws Exception {
        Path prog = dir.resolve("checkpw");
        Files.writeString(prog, "#!/bin/sh\ntr '\\000' '|' <&3; echo; echo \"args: $*\" >&2; read line; echo \"next: $line\"; exit 0\n");
        PopService.run("chmod", "755", prog.toString());
        Cmd.Result r = popup("user bob\r\npass s e\r\nSTAT\r\n", "checkpw", "qmail-pop3d", "Maildir");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).matches("\\+OK <(\\d+\\.\\d+@pop\\.example)>\r\n\\+OK \r\nbob\\|s e\\|<\\1>\\|\n"
                + "args: qmail-pop3d Maildir\nnext: STAT\r\n");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void aNonzeroExitACrashAndAMissingProgramAreReported() throws Exception {
        Cmd.Result refused = popup("USER bob\r\nPASS x\r\n", "/bin/sh", "-c", "exit 3");
        assertThat(refused.out()).endsWith("+OK \r\n-ERR authorization failed\r\n");
        Cmd.Result crashed = popup("USER bob\r\nPASS x\r\n", "/bin/sh", "-c", "kill -9 $$");
        assertThat(crashed.out()).endsWith("+OK \r\n-ERR aack, child crashed\r\n");
        Cmd.Result missing = popup("USER bob\r\nPASS x\r\n", "no-such-checkpassword", "qmail-pop3d", "Maildir");
        assertThat(missing.out()).endsWith("+OK \r\n-ERR authorization failed\r\n");
        assertThat(List.of(refused.exit(), crashed.exit(), missing.exit())).containsOnly(1);
    }
}
