package org.qmailj.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.ChildJvm;
import org.qmailj.common.sys.Proc;

/** {@link Privileges} without root: a bare tree (no lib/ids) and lib/ids lookups. */
class PrivilegesTest {
    @TempDir Path home;

    @Test
    void withoutLibIdsEveryRoleIsTheProcessItself() throws Exception {
        ChildJvm.Result r = ChildJvm.run(BecomeChild.class, home.toString(), "QMAILS");

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        int uid = Proc.getuid();
        assertThat(r.lines().getFirst()).isEqualTo("Uid: " + uid + " " + uid + " " + uid + " " + uid);
    }

    @Test
    void targetIsTheRolesUserAndItsGroup() throws Exception {
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), "qmails:40010:40020\nqmailr:40011:40020\nqmail:40020\n");

        assertThat(Privileges.target(new QmailHome(home), Privileges.Role.QMAILS)).isEqualTo(new Privileges.Target(40010, 40020));
        assertThat(Privileges.target(new QmailHome(home), Privileges.Role.QMAILR)).isEqualTo(new Privileges.Target(40011, 40020));
    }

    @Test
    void aRoleMissingFromLibIdsStopsTheProcess() throws Exception {
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), "qmails:40010:40020\nqmail:40020\n");

        ChildJvm.Result r = ChildJvm.run(BecomeChild.class, home.toString(), "QMAILQ");

        assertThat(r.exitCode()).isEqualTo(111);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isEqualTo("become-child: fatal: unable to become qmailq: no uid for qmailq in lib/ids\n");
    }
}
