package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Privilege drops and user lookups against a real user this test creates with useradd (a
 * member of the extra group "daemon") and removes with userdel.
 *
 * <p>Needs root, and fails without it rather than skipping, so a CI run that lost root
 * cannot pass silently. A developer without root can leave these out with
 * {@code mvn test -DexcludedGroups=root}.
 */
@Tag("root")
class ProtTest {
    private static String user;

    @BeforeAll
    static void createUser() throws Exception {
        assertThat(Proc.geteuid())
                .as("ProtTest needs root (qmail.test.root=%s); exclude with -DexcludedGroups=root",
                        System.getProperty("qmail.test.root"))
                .isZero();
        user = "qjtest" + ThreadLocalRandom.current().nextInt(1000, 10000);
        run("useradd", "-M", "-N", "-s", "/usr/sbin/nologin", "-G", "daemon",
                "-c", "qmail-java test", user);
    }

    @AfterAll
    static void removeUser() throws Exception {
        if (user != null) {
            run("userdel", user);
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
    }

    @Test
    void lookupsSeeTheNewUserAndItsGroups() throws Exception {
        Passwd.PasswdEntry pw = Passwd.getpwnam(user).orElseThrow();
        int daemonGid = Passwd.getgrnam("daemon").orElseThrow().gid();

        assertThat(pw.name()).isEqualTo(user);
        assertThat(pw.uid()).isPositive();
        assertThat(pw.gecos()).isEqualTo("qmail-java test");
        assertThat(pw.home()).isEqualTo("/home/" + user);
        assertThat(pw.shell()).isEqualTo("/usr/sbin/nologin");
        assertThat(Passwd.getpwuid(pw.uid()).orElseThrow()).isEqualTo(pw);
        assertThat(Passwd.getgrnam("daemon").orElseThrow().members()).contains(user);
        assertThat(Passwd.getgrouplist(user, pw.gid())).containsExactlyInAnyOrder(pw.gid(), daemonGid);
    }

    @Test
    void dropToChangesEveryThreadAndCannotBeUndone() throws Exception {
        Passwd.PasswdEntry pw = Passwd.getpwnam(user).orElseThrow();
        int extra = Passwd.getgrnam("daemon").orElseThrow().gid();
        int uid = pw.uid();
        int gid = pw.gid();

        ChildJvm.Result result = ChildJvm.run(ProtChild.class,
                String.valueOf(uid), String.valueOf(gid), String.valueOf(extra));

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.lines()).hasSize(8);
        assertThat(result.lines().get(0)).isEqualTo("groups-set [" + Math.min(gid, extra) + " "
                + Math.max(gid, extra) + "]");
        int threads = Integer.parseInt(result.lines().get(1).substring("threads ".length()));
        assertThat(threads).as("JVM threads checked").isGreaterThan(5);
        assertThat(result.lines().subList(2, 8)).containsExactly(
                "uid [" + uid + " " + uid + " " + uid + " " + uid + "]",
                "gid [" + gid + " " + gid + " " + gid + " " + gid + "]",
                "groups [" + gid + "]",
                "res " + uid + "/" + uid + "/" + uid + " " + gid + "/" + gid + "/" + gid + " [" + gid + "]",
                "root-write denied",
                "setuid0 errno 1 setuid 0: Operation not permitted (errno 1)");
    }
}
