package org.qmailj.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --mta's shared log service, as any user (the stand-in tree and prefix of
 * SubmissionServiceTest): the fifos, and svc -t for a running log service whose run script an
 * install over an earlier one rewrote, and for no other.
 */
class LogServiceTest {
    @TempDir Path tmp;

    @Test
    void anInstallOverAnOlderOneRestartsTheLogServicesItRewrote() throws Exception {
        Path from = SubmissionServiceTest.standInTree(tmp);
        Path calls = tmp.resolve("svc-calls");
        // A stand-in svc that says what it was asked, so the test sees each restart.
        UpgradeTest.write(from.resolve("bin/svc"), "#!/bin/sh\necho \"$@\" >> " + calls + "\n", 0755);
        Path prefix = SubmissionServiceTest.usersPrefix(tmp);
        Path home = tmp.resolve("var-qmail");
        List<String> args = List.of("--mta", home.toString(), "--prefix=" + prefix, "--smtp=127.0.0.1:2525",
                "--me=mx.example", "--no-aot");

        QmailInstallTest.Run r = QmailInstallTest.run(from, args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(calls).as("nothing ran under supervise yet").doesNotExist();
        Path fifos = home.resolve("supervise/qmail-log/fifo");
        for (String name : List.of("qmail-queued", "qmail-send", "qmail-smtpd", "qmail-submission")) {
            assertThat(Files.getAttribute(fifos.resolve(name), "unix:mode")).isEqualTo(0010600);
        }
        assertThat(Files.getAttribute(home.resolve("supervise/qmail-log"), "unix:mode")).isEqualTo(0041755);

        // An earlier install's log service, running: its run said multilog.
        Path sendLog = home.resolve("supervise/qmail-send/log");
        String ours = Files.readString(sendLog.resolve("run"));
        Files.writeString(sendLog.resolve("run"), "#!/bin/sh\nexec " + home.toRealPath() + "/bin/setuidgid qmaill "
                + home.toRealPath() + "/bin/multilog t " + prefix.resolve("var/log/qmail/qmail-send") + "\n");
        for (String s : List.of("qmail-send", "qmail-smtpd")) {
            Files.createDirectories(home.resolve("supervise").resolve(s).resolve("log/supervise"));
            Files.writeString(home.resolve("supervise").resolve(s).resolve("log/supervise/control"), "");
        }
        r = QmailInstallTest.run(from, args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readString(sendLog.resolve("run"))).isEqualTo(ours);
        assertThat(Files.readAllLines(calls)).containsExactly("-t " + home.toRealPath().resolve("supervise/qmail-send/log"));

        // Nothing rewritten, nothing restarted.
        r = QmailInstallTest.run(from, args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readAllLines(calls)).hasSize(1);
    }
}
