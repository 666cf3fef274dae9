package org.qmailj.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * The root install: the queue owned by the qmail users of INSTALL.ids.md. Creates the users
 * and groups that do not exist yet and removes exactly those afterwards.
 */
@RootOnly
class RootInstallIT {
    static final List<String> GROUPS = List.of("qmail", "nofiles");
    static final List<String> USERS = List.of("alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails");
    static final List<String> createdUsers = new ArrayList<>();
    static final List<String> createdGroups = new ArrayList<>();

    static boolean exists(String db, String name) throws IOException {
        return Cmd.run(List.of("getent", db, name)).exit() == 0;
    }

    static void sh(String... cmd) throws IOException {
        Cmd.Result r = Cmd.run(List.of(cmd));
        assertThat(r.exit()).as(String.join(" ", cmd) + ": " + r).isZero();
    }

    @BeforeAll
    static void missingUsersAreRefusedThenCreated(@TempDir Path tmp) throws IOException {
        TreeIT.findTree();
        boolean allThere = true;
        for (String u : USERS) allThere &= exists("passwd", u);
        for (String g : GROUPS) allThere &= exists("group", g);
        if (!allThere) {
            Cmd.Result r = Cmd.run(List.of(TreeIT.tree.resolve("bin/qmail-install").toString(), tmp.resolve("q").toString(), "--no-aot"),
                    java.util.Map.of(), null, new byte[0], 120);
            assertThat(r.exit()).as(r.toString()).isEqualTo(100);
            assertThat(r.err()).contains("missing").contains("--sandbox");
        }
        for (String g : GROUPS) {
            if (!exists("group", g)) { sh("groupadd", "--system", g); createdGroups.add(g); }
        }
        for (String u : USERS) {
            if (!exists("passwd", u)) {
                String group = u.equals("qmaild") || u.equals("qmaill") || u.equals("qmailp") || u.equals("alias") ? "nofiles" : "qmail";
                sh("useradd", "--system", "-M", "-N", "-g", group, "-d", "/nonexistent", "-s", "/usr/sbin/nologin", u);
                createdUsers.add(u);
            }
        }
    }

    @AfterAll
    static void removeWhatWeCreated() throws IOException {
        for (String u : createdUsers) sh("userdel", u);
        for (String g : createdGroups) sh("groupdel", g);
    }

    static String owner(Path p) throws IOException {
        return Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName() + ":"
                + Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).group().getName();
    }

    @Test
    void queueBelongsToTheQmailUsers(@TempDir Path tmp) throws IOException {
        Path home = tmp.resolve("qmail");
        Cmd.Result r = Cmd.run(List.of(TreeIT.tree.resolve("bin/qmail-install").toString(), home.toString(), "--me=root.example", "--no-aot"),
                java.util.Map.of(), null, new byte[0], 120);
        assertThat(r.exit()).as(r.toString()).isZero();
        Path q = home.resolve("queue");
        assertThat(owner(q)).isEqualTo("qmailq:qmail");
        assertThat(owner(q.resolve("mess/7"))).isEqualTo("qmailq:qmail");
        assertThat(owner(q.resolve("todo"))).isEqualTo("qmailq:qmail");
        assertThat(owner(q.resolve("intd"))).isEqualTo("qmailq:qmail");
        assertThat(owner(q.resolve("pid"))).isEqualTo("qmailq:qmail");
        assertThat(owner(q.resolve("info/7"))).isEqualTo("qmails:qmail");
        assertThat(owner(q.resolve("local/0"))).isEqualTo("qmails:qmail");
        assertThat(owner(q.resolve("remote/22"))).isEqualTo("qmails:qmail");
        assertThat(owner(q.resolve("bounce"))).isEqualTo("qmails:qmail");
        assertThat(owner(q.resolve("lock/trigger"))).isEqualTo("qmails:qmail");
        assertThat(owner(q.resolve("lock/sendmutex"))).isEqualTo("qmails:qmail");
        assertThat(owner(q.resolve("lock/tcpto"))).isEqualTo("qmailr:qmail");
        assertThat(owner(home.resolve("alias"))).isEqualTo("alias:qmail");
        assertThat(owner(home.resolve("control"))).isEqualTo("root:qmail");
        String ids = Files.readString(home.resolve("lib/ids"));
        assertThat(ids).contains("root:0:0\n");
        Cmd.Result show = Cmd.run(List.of(home.resolve("bin/qmail-showctl").toString()));
        assertThat(show.out()).contains("user ids: ").contains("group ids: ");
    }
}
