package org.qmailj.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --mta again after an uninstall that kept the logs: qmaill now has another uid, and the
 * files the earlier multilog left (lock, current, state, mode 0600/0644) become the new
 * qmaill's, or multilog could not lock its directory and every log line would be lost
 * ("multilog: fatal: unable to lock directory ...: access denied", seen in
 * bench/installed-pss.sh's second run).
 */
@Tag("root") // changes owners (as org.qmailj.testing.RootOnly, which this module does not see)
class LogOwnershipRootTest {
    @TempDir Path tmp;

    @Test
    void filesLeftInALogDirectoryBecomeTheNewQmaills() throws Exception {
        Path from = SubmissionServiceTest.standInTree(tmp);
        Path prefix = tmp.resolve("root");
        StringBuilder passwd = new StringBuilder();
        for (String u : List.of("alias", "qmaild", "qmailp", "qmailq", "qmailr", "qmails")) {
            passwd.append(u).append(":x:0:0::/nonexistent:/usr/sbin/nologin\n");
        }
        passwd.append("qmaill:x:4242:4243::/nonexistent:/usr/sbin/nologin\n");
        UpgradeTest.write(prefix.resolve("etc/passwd"), passwd.toString(), 0644);
        UpgradeTest.write(prefix.resolve("etc/group"), "qmail:x:0:\nnofiles:x:4243:\n", 0644);
        Path log = prefix.resolve("var/log/qmail/qmail-send");
        UpgradeTest.write(log.resolve("lock"), "", 0600);
        UpgradeTest.write(log.resolve("current"), "@4000000069300000 old line\n", 0744);
        for (Path f : List.of(log, log.resolve("lock"), log.resolve("current"))) {
            Files.setAttribute(f, "unix:uid", 5555, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(f, "unix:gid", 5556, LinkOption.NOFOLLOW_LINKS);
        }

        QmailInstallTest.Run r = QmailInstallTest.run(from, "--mta", tmp.resolve("var-qmail").toString(), "--prefix=" + prefix,
                "--smtp=127.0.0.1:2525", "--me=mx.example", "--no-aot");
        assertThat(r.exit()).as(r.err()).isZero();

        for (Path f : List.of(log, log.resolve("lock"), log.resolve("current"))) {
            assertThat(Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as(f.toString()).isEqualTo(4242);
            assertThat(Files.getAttribute(f, "unix:gid", LinkOption.NOFOLLOW_LINKS)).as(f.toString()).isEqualTo(4243);
        }
        assertThat(Files.readString(log.resolve("current"))).isEqualTo("@4000000069300000 old line\n");
        assertThat(Files.getAttribute(prefix.resolve("var/log/qmail/qmail-smtpd"), "unix:uid")).isEqualTo(4242);
    }
}
