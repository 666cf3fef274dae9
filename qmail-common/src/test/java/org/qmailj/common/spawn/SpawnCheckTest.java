package org.qmailj.common.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailHome;
import org.qmailj.common.sys.Fd;

/**
 * spawn.c's checks as both spawners run them: exact texts, and a message reached through a
 * symbolic link (a valid message otherwise: our own file, regular) is never opened.
 */
class SpawnCheckTest {
    @TempDir
    Path root;
    Path mess;
    int me;

    @BeforeEach
    void setUp() throws Exception {
        mess = Files.createDirectories(root.resolve("queue/mess"));
        Files.createDirectories(mess.resolve("7"));
        Files.writeString(mess.resolve("7/30"), "Subject: t\n\nbody\n");
        me = (Integer) Files.getAttribute(mess, "unix:uid");
    }

    private String refused(SpawnCheck check, String messid, String recipient) {
        SpawnCheck.Outcome o = check.check(new SpawnProtocol.Command(1, messid, "s@x", recipient));
        if (o instanceof SpawnCheck.Message m) {
            m.close();
            return "opened";
        }
        return ((SpawnCheck.Refused) o).report();
    }

    @Test
    void opensAMessageOnceAndReadsItByDescriptor() throws Exception {
        try (SpawnCheck check = new SpawnCheck(mess, me)) {
            SpawnCheck.Outcome o = check.check(new SpawnProtocol.Command(1, "7/30", "s@x", "r@y"));
            assertThat(o).isInstanceOf(SpawnCheck.Message.class);
            try (SpawnCheck.Message m = (SpawnCheck.Message) o) {
                assertThat(m.size()).isEqualTo(17);
                // Renamed away: the descriptor still reads the message that was checked.
                Files.move(mess.resolve("7/30"), root.resolve("elsewhere"));
                byte[] b = new byte[64];
                int n = Fd.pread(m.fd(), b, 0, b.length, 0);
                assertThat(new String(b, 0, n, StandardCharsets.ISO_8859_1)).isEqualTo("Subject: t\n\nbody\n");
            }
        }
    }

    @Test
    void spawnTexts() throws Exception {
        Files.createDirectories(mess.resolve("8/40"));
        Files.writeString(mess.resolve("8/41"), "x");
        try (SpawnCheck check = new SpawnCheck(mess, me); SpawnCheck other = new SpawnCheck(mess, me + 1)) {
            assertThat(refused(check, "/etc/shadow", "r@y")).isEqualTo("DInternal error: messid has nonnumerics. (#5.3.5)\n");
            assertThat(refused(check, "7/../../../etc/shadow", "r@y")).isEqualTo("DInternal error: messid has nonnumerics. (#5.3.5)\n");
            assertThat(refused(check, "7/x", "r@y")).isEqualTo("DInternal error: messid has nonnumerics. (#5.3.5)\n");
            assertThat(refused(check, "7/" + "1".repeat(98), "r@y")).isEqualTo("DInternal error: messid too long. (#5.3.5)\n");
            assertThat(refused(check, "", "r@y")).isEqualTo("DInternal error: messid too short. (#5.3.5)\n");
            assertThat(refused(check, "7/30", "nohost")).isEqualTo("DSorry, address must include host name. (#5.1.3)\n");
            assertThat(refused(check, "7/31", "r@y")).isEqualTo("Zqmail-spawn unable to open message. (#4.3.0)\n");
            // Only S/N: other shapes spawn.c would try are never opened.
            for (String odd : new String[] {"7", "7/", "7//30", "7/30/", "7/30/1"}) {
                assertThat(refused(check, odd, "r@y")).as(odd).isEqualTo("Zqmail-spawn unable to open message. (#4.3.0)\n");
            }
            assertThat(refused(check, "8/40", "r@y")).isEqualTo("ZSorry, message has wrong type. (#4.3.5)\n");
            assertThat(refused(other, "8/41", "r@y")).isEqualTo("ZSorry, message has wrong owner. (#4.3.5)\n");
            assertThat(refused(check, "8/41", "r@y")).isEqualTo("opened");
        }
    }

    @Test
    void symbolicLinksAreNeverFollowed() throws Exception {
        // Targets that would pass every other check: regular files we own, outside queue/mess.
        Path outside = Files.createDirectories(root.resolve("outside"));
        Files.writeString(outside.resolve("1"), "secret\n");
        Files.createSymbolicLink(mess.resolve("7/31"), outside.resolve("1"));
        Files.createSymbolicLink(mess.resolve("9"), outside);
        Files.createSymbolicLink(mess.resolve("7/32"), mess.resolve("7/30"));
        try (SpawnCheck check = new SpawnCheck(mess, me)) {
            assertThat(refused(check, "7/31", "r@y")).isEqualTo("Zqmail-spawn unable to open message. (#4.3.0)\n");
            assertThat(refused(check, "9/1", "r@y")).isEqualTo("Zqmail-spawn unable to open message. (#4.3.0)\n");
            assertThat(refused(check, "7/32", "r@y")).isEqualTo("Zqmail-spawn unable to open message. (#4.3.0)\n");
        }
    }

    @Test
    void aFifoDoesNotBlockTheSpawner() throws Exception {
        Process p = new ProcessBuilder("mkfifo", mess.resolve("7/33").toString()).start();
        assertThat(p.waitFor()).isZero();
        try (SpawnCheck check = new SpawnCheck(mess, me)) {
            assertThat(refused(check, "7/33", "r@y")).isEqualTo("ZSorry, message has wrong type. (#4.3.5)\n");
        }
    }

    @Test
    void qmailqFromLibIdsOrTheQueueOwnerInASandbox() throws Exception {
        QmailHome home = new QmailHome(root);
        // No lib/ids: the queue's owner.
        try (SpawnCheck check = SpawnCheck.forQueue(home)) {
            assertThat(check.uidq()).isEqualTo(me);
        }
        Files.createDirectories(root.resolve("lib"));
        StringBuilder ids = new StringBuilder();
        for (String u : org.qmailj.common.QmailIds.USERS) ids.append(u).append(':').append(me + 5).append(":0\n");
        Files.writeString(root.resolve("lib/ids"), ids + "nofiles:0\nqmail:0\n");
        try (SpawnCheck check = SpawnCheck.forQueue(home)) {
            assertThat(check.uidq()).as("sandbox: every user the same uid").isEqualTo(me);
        }
        Files.writeString(root.resolve("lib/ids"), ids.toString().replace("qmailq:" + (me + 5), "qmailq:" + (me + 7)));
        try (SpawnCheck check = SpawnCheck.forQueue(home)) {
            assertThat(check.uidq()).isEqualTo(me + 7);
            assertThat(refused(check, "7/30", "r@y")).isEqualTo("ZSorry, message has wrong owner. (#4.3.5)\n");
        }
    }

    @Test
    void deliverySlots() {
        DeliverySlots s = new DeliverySlots();
        assertThat(s.take(65535)).isTrue();
        assertThat(s.take(65535)).isFalse();
        assertThat(s.inUse(65535)).isTrue();
        s.release(65535);
        assertThat(s.take(65535)).isTrue();
    }
}
