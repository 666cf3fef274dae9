package org.qmailj.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;
import org.qmailj.testing.SystemTest;

/**
 * The .deb, installed, reinstalled and removed with the real dpkg on this machine: the real
 * /var/qmail, /usr/sbin/sendmail, qmail users and dpkg database (QMAIL_TEST_SYSTEM=1 only).
 */
@RootOnly
@SystemTest
class DebIT {
    static final Path HOME = Path.of("/var/qmail");

    static Cmd.Result dpkg(String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of("dpkg"));
        cmd.addAll(List.of(args));
        return Cmd.run(cmd, Map.of("QMAIL_JAVA_ME", "deb.example", "PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), null, new byte[0], 300);
    }

    static String sendmailState() throws IOException {
        Path p = Path.of("/usr/sbin/sendmail");
        if (Files.isSymbolicLink(p)) return "link " + Files.readSymbolicLink(p);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return "file " + Files.size(p);
        return "none";
    }

    @Test
    void installUpgradeRemove() throws IOException {
        LiveSystem.refuseOverLiveInstall();
        var machineBefore = LiveSystem.state();
        String sendmailBefore = sendmailState();
        Path deb = Path.of(System.getProperty("qmail.deb"));

        Cmd.Result in = dpkg("-i", deb.toString());
        assertThat(in.exit()).as(in.toString()).isZero();
        try {
            assertThat(Files.readString(HOME.resolve("control/me"))).isEqualTo("deb.example\n");
            assertThat(Files.readSymbolicLink(Path.of("/usr/sbin/sendmail"))).isEqualTo(HOME.resolve("bin/sendmail"));
            assertThat(HOME.resolve("lib/qmail.aot")).isRegularFile();
            assertThat(Files.getOwner(HOME.resolve("queue/mess")).getName()).isEqualTo("qmailq");
            Cmd.Result show = Cmd.run(List.of(HOME.resolve("bin/qmail-showctl").toString()));
            assertThat(show.out()).contains("me: My name is deb.example.");
            assertThat(show.err()).isEmpty();

            // An upgrade (here: the same package again) keeps control/ and the queue.
            Files.writeString(HOME.resolve("control/concurrencyremote"), "123\n");
            Files.writeString(HOME.resolve("queue/mess/0/46"), "queued\n");
            Cmd.Result up = dpkg("-i", deb.toString());
            assertThat(up.exit()).as(up.toString()).isZero();
            assertThat(Files.readString(HOME.resolve("control/concurrencyremote"))).isEqualTo("123\n");
            assertThat(Files.readString(HOME.resolve("queue/mess/0/46"))).isEqualTo("queued\n");
            Files.delete(HOME.resolve("queue/mess/0/46"));
        } finally {
            Cmd.Result rm = dpkg("-r", "qmail-java");
            assertThat(rm.exit()).as(rm.toString()).isZero();
        }
        assertThat(HOME).doesNotExist();
        assertThat(Path.of("/usr/lib/qmail-java")).doesNotExist();
        assertThat(sendmailState()).isEqualTo(sendmailBefore);
        assertThat(Cmd.run(List.of("dpkg", "-s", "qmail-java")).exit()).isNotZero();
        assertThat(LiveSystem.state()).as("the machine after dpkg -r").isEqualTo(machineBefore);
    }
}
