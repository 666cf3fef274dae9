package org.qmailj.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Proc;

/**
 * --mta's submission service (port 587, SUBMISSION set), as any user: a stand-in tree and a
 * prefix whose etc/passwd maps the qmail users to the invoking one, as in UpgradeTest.
 */
class SubmissionServiceTest {
    @TempDir Path tmp;

    /** A tree with the programs --mta names and one jar: enough for the install to lay out. */
    static Path standInTree(Path tmp) throws java.io.IOException {
        Path from = tmp.resolve("tree");
        for (String p : List.of("qmail-send", "qmail-start", "qmail-queued", "qmail-smtpd", "sendmail", "tcpserver")) {
            UpgradeTest.write(from.resolve("bin").resolve(p), "#!/bin/sh\n# qmail in Java " + p + "\n", 0755);
        }
        UpgradeTest.write(from.resolve("lib/qmail-common.jar"), "jar", 0644);
        return from;
    }

    /** A --prefix whose etc/passwd and etc/group map every qmail user and group to the invoking one. */
    static Path usersPrefix(Path tmp) throws java.io.IOException {
        Path prefix = tmp.resolve("root");
        StringBuilder passwd = new StringBuilder();
        for (String u : List.of("alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails")) {
            passwd.append(u).append(":x:").append(Proc.getuid()).append(':').append(Proc.getgid())
                    .append("::/nonexistent:/usr/sbin/nologin\n");
        }
        UpgradeTest.write(prefix.resolve("etc/passwd"), passwd.toString(), 0644);
        UpgradeTest.write(prefix.resolve("etc/group"), "qmail:x:" + Proc.getgid() + ":\nnofiles:x:" + Proc.getgid() + ":\n", 0644);
        return prefix;
    }

    @Test
    void createdDownOnceAndLeftUpAfterwards() throws Exception {
        Path from = standInTree(tmp);
        Path prefix = usersPrefix(tmp);
        Path home = tmp.resolve("var-qmail");

        QmailInstallTest.Run r = QmailInstallTest.run(from, "--mta", home.toString(), "--prefix=" + prefix,
                "--smtp=127.0.0.1:2525", "--me=mx.example", "--no-aot");
        assertThat(r.exit()).as(r.err()).isZero();
        Path real = home.toRealPath();
        Path dir = home.resolve("supervise/qmail-submission");
        assertThat(Files.readString(dir.resolve("run")))
                .contains("SUBMISSION=1\nexport SUBMISSION\n")
                .contains("exec " + real + "/bin/tcpserver -v -R -l \"`head -1 " + real + "/control/me`\" -c 40 -b 512")
                .contains("127.0.0.1 587 " + real + "/bin/qmail-smtpd 2>&1\n")
                .doesNotContain("tcp.smtp.cdb");
        assertThat(dir.resolve("down")).isRegularFile();
        assertThat(Files.readString(dir.resolve("log/run")))
                .contains("exec " + real + "/bin/setuidgid qmaill /bin/cat 1<>\"$fifo\"\n")
                .contains("fifo=" + real + "/supervise/qmail-log/fifo/qmail-submission\n");
        assertThat(Files.readString(home.resolve("supervise/qmail-log/run")))
                .contains(real + "/supervise/qmail-log/fifo/qmail-submission t " + prefix.resolve("var/log/qmail/qmail-submission") + "\n");
        assertThat(Files.readSymbolicLink(home.resolve("service/qmail-submission"))).isEqualTo(real.resolve("supervise/qmail-submission"));

        // Once the administrator has brought it up, another install leaves it up.
        Files.delete(dir.resolve("down"));
        r = QmailInstallTest.run(from, "--mta", home.toString(), "--prefix=" + prefix, "--smtp=127.0.0.1:2525", "--no-aot");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(dir.resolve("down")).doesNotExist();
    }
}
