package org.qmailj.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * The root install: the queue owned by the qmail users of INSTALL.ids.md. The users and groups
 * live in a scratch prefix's etc/passwd and etc/group (useradd --prefix; qmail-install
 * --prefix reads them there), so the machine's accounts are never touched.
 */
@RootOnly
class RootInstallIT {
    static final List<String> GROUPS = List.of("qmail", "nofiles");
    static final List<String> USERS = List.of("alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails");
    static Path prefix;
    static Map<String, String> machineBefore;

    static void sh(String... cmd) throws IOException {
        Cmd.Result r = Cmd.run(List.of(cmd));
        assertThat(r.exit()).as(String.join(" ", cmd) + ": " + r).isZero();
    }

    static Cmd.Result install(Path home, String... more) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(TreeIT.tree.resolve("bin/qmail-install").toString(), home.toString(),
                "--prefix=" + prefix, "--no-aot"));
        cmd.addAll(List.of(more));
        return Cmd.run(cmd, Map.of(), null, new byte[0], 120);
    }

    @BeforeAll
    static void missingUsersAreRefusedThenCreated(@TempDir Path tmp) throws IOException {
        TreeIT.findTree();
        machineBefore = MtaInstallIT.machineAccounts();
        prefix = tmp.resolve("root");
        Files.createDirectories(prefix.resolve("etc"));
        for (String f : List.of("passwd", "group", "shadow", "gshadow")) Files.createFile(prefix.resolve("etc").resolve(f));
        Cmd.Result r = install(tmp.resolve("q"));
        assertThat(r.exit()).as(r.toString()).isEqualTo(100);
        assertThat(r.err()).contains("missing").contains("--sandbox");
        for (String g : GROUPS) sh("groupadd", "--prefix", prefix.toString(), "--system", g);
        for (String u : USERS) {
            String group = u.equals("qmaild") || u.equals("qmaill") || u.equals("qmailp") || u.equals("alias") ? "nofiles" : "qmail";
            sh("useradd", "--prefix", prefix.toString(), "--system", "-M", "-N", "-g", group, "-d", "/nonexistent",
                    "-s", "/usr/sbin/nologin", u);
        }
    }

    @AfterAll
    static void machineUntouched() throws IOException {
        assertThat(MtaInstallIT.machineAccounts()).as("the machine's accounts").isEqualTo(machineBefore);
    }

    /** user:group of a file, by the names the prefix's etc/passwd and etc/group give its ids. */
    static String owner(Path p) throws IOException {
        int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        return name("passwd", uid) + ":" + name("group", gid);
    }

    private static String name(String db, int id) throws IOException {
        if (id == 0) return "root";
        for (String l : Files.readAllLines(prefix.resolve("etc").resolve(db))) {
            String[] f = l.split(":", -1);
            if (Integer.parseInt(f[2]) == id) return f[0];
        }
        return "#" + id;
    }

    @Test
    void queueBelongsToTheQmailUsers(@TempDir Path tmp) throws IOException {
        Path home = tmp.resolve("qmail");
        Cmd.Result r = install(home, "--me=root.example");
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
