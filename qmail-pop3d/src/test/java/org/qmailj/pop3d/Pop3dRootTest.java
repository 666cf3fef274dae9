package org.qmailj.pop3d;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/** qmail-pop3d(8): "qmail-pop3d also refuses to run as root", which qmail-popup reports as a failed login. */
@RootOnly
class Pop3dRootTest {
    @TempDir
    Path dir;

    @Test
    void qmailPop3dRefusesRootAndQmailPopupSaysAuthorizationFailed() throws Exception {
        assertThat(PopService.root()).as("run as root").isTrue();
        for (String d : List.of("new", "cur", "tmp")) Files.createDirectories(dir.resolve("Maildir").resolve(d));
        Files.writeString(dir.resolve("Maildir/new/1.2.h"), "x\n");
        Files.setLastModifiedTime(dir.resolve("Maildir/new/1.2.h"), java.nio.file.attribute.FileTime.fromMillis(0));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Cmd.Result alone = Cmd.run(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                "org.qmailj.pop3d.QmailPop3d", "Maildir"), Map.of(), dir, "STAT\r\nDELE 1\r\nQUIT\r\n".getBytes(), 60);
        assertThat(alone.exit()).isEqualTo(1);
        assertThat(alone.out()).isEmpty();
        assertThat(alone.err()).isEqualTo("qmail-pop3d invoked as uid 0, terminating\n");
        // Under qmail-popup the message reaches the client: the subprogram's stderr is the connection.
        Path pop3d = dir.resolve("qmail-pop3d");
        Files.writeString(pop3d, "#!/bin/sh\nexec " + java + " --enable-native-access=ALL-UNNAMED -cp " + cp
                + " org.qmailj.pop3d.QmailPop3d \"$@\"\n");
        PopService.run("chmod", "755", pop3d.toString());
        Cmd.Result popup = Cmd.run(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                "org.qmailj.pop3d.QmailPopup", "pop.example", pop3d.toString(), "Maildir"), Map.of(), dir,
                "USER root\r\nPASS x\r\nDELE 1\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII), 60);
        assertThat(popup.out()).matches("\\+OK <\\d+\\.\\d+@pop\\.example>\r\n\\+OK \r\n"
                + "qmail-pop3d invoked as uid 0, terminating\n-ERR authorization failed\r\n");
        assertThat(Files.exists(dir.resolve("Maildir/new/1.2.h"))).isTrue();
    }
}
