package org.qmailj.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.ChildJvm;
import org.qmailj.testing.RootOnly;

/**
 * {@link Privileges#become} and {@link Privileges#becomeIds} as root, each in a fresh JVM that
 * prints what /proc/self/status then says: real, effective, saved and filesystem ids, groups.
 */
@RootOnly
class PrivilegesRootTest {
    @TempDir Path home;

    @BeforeEach
    void ids() throws Exception {
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), "root:0:0\nqmails:40010:40020\nqmailq:40012:40020\nqmaill:40013:40021\n"
                + "alias:65534:65534\nqmail:40020\nnofiles:40021\n");
        // The child JVM reads its classes after the drop: the temp dir must not be in its way.
        Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String[] expect(int uid, int gid, String groups) {
        return new String[] {"Uid: " + uid + " " + uid + " " + uid + " " + uid, "Gid: " + gid + " " + gid + " " + gid + " " + gid,
            groups.isEmpty() ? "Groups:" : "Groups: " + groups};
    }

    @Test
    void rootBecomesTheRolesUserGroupAndOnlyThatGroup() throws Exception {
        ChildJvm.Result r = ChildJvm.run(BecomeChild.class, home.toString(), "QMAILQ");

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.lines()).containsExactly(expect(40012, 40020, "40020"));
        ChildJvm.Result l = ChildJvm.run(BecomeChild.class, home.toString(), "QMAILL");
        assertThat(l.lines()).containsExactly(expect(40013, 40021, "40021"));
    }

    @Test
    void rootStaysRootForTheRootRole() throws Exception {
        ChildJvm.Result r = ChildJvm.run(BecomeChild.class, home.toString(), "ROOT");

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.lines().getFirst()).isEqualTo("Uid: 0 0 0 0");
    }

    @Test
    void sandboxModeOnlyVerifies() throws Exception {
        // A sandbox tree: every role is the one account that runs the suite.
        Files.writeString(home.resolve("lib/ids"), "root:65534:65534\nqmails:65534:65534\nqmailq:65534:65534\nqmail:65534\n");

        ChildJvm.Result r = ChildJvm.run(BecomeChild.class, home.toString(), "QMAILS", "65534", "65534");

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.lines()).containsExactly(expect(65534, 65534, "65534"));
        ChildJvm.Result root = ChildJvm.run(BecomeChild.class, home.toString(), "ROOT", "65534", "65534");
        assertThat(root.exitCode()).as(root.stderr()).isZero();
    }

    @Test
    void aProcessThatIsNotTheRolesUserStops() throws Exception {
        ChildJvm.Result r = ChildJvm.run(BecomeChild.class, home.toString(), "QMAILQ", "65534", "65534");

        assertThat(r.exitCode()).isEqualTo(111);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isEqualTo("become-child: fatal: unable to become qmailq (uid 40012 gid 40020): "
                + "real/effective/saved uid is 65534/65534/65534\n");
    }

    @Test
    void rootRoleStaysRootEvenWhenLibIdsIsASandboxs() throws Exception {
        // qmail-lspawn started by root in a sandbox tree stays root (it delivers as the sandbox
        // user per delivery); the other roles become the sandbox user.
        Files.writeString(home.resolve("lib/ids"), "root:65534:65534\nqmails:65534:65534\nqmail:65534\n");

        ChildJvm.Result r = ChildJvm.run(BecomeChild.class, home.toString(), "ROOT");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.lines().getFirst()).isEqualTo("Uid: 0 0 0 0");
        ChildJvm.Result s = ChildJvm.run(BecomeChild.class, home.toString(), "QMAILS");
        assertThat(s.exitCode()).as(s.stderr()).isZero();
        assertThat(s.lines()).containsExactly(expect(65534, 65534, "65534"));
    }

    @Test
    void becomeIdsIsTcpserversDashUAndDashG() throws Exception {
        ChildJvm.Result both = ChildJvm.run(BecomeChild.class, "-ids", "40010", "40020");
        assertThat(both.exitCode()).as(both.stderr()).isZero();
        assertThat(both.lines()).containsExactly(expect(40010, 40020, "40020"));

        // -u alone, as ucspi-tcp: the gid and groups stay what they were.
        ChildJvm.Result uidOnly = ChildJvm.run(BecomeChild.class, "-ids", "40010", "-");
        assertThat(uidOnly.exitCode()).as(uidOnly.stderr()).isZero();
        assertThat(uidOnly.lines().getFirst()).isEqualTo("Uid: 40010 40010 40010 40010");
        assertThat(uidOnly.lines().get(1)).isEqualTo("Gid: 0 0 0 0");
    }
}
