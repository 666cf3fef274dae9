package org.qmailj.lspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * qmail-lspawn as root with real users: the spawn protocol, users/assign (exact and
 * wildcard), qmail-getpw's rules, the alias user, warm workers (reuse, crash, idle stop, pool
 * bound), and the security rules: deliveries run as exactly the user's uid and gid with no
 * other groups, never as root, and cannot write where the user could not.
 */
@RootOnly
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LspawnRootTest {
    static final String MSG = "Subject: test\n\nhello\n";
    /** Makes the test accounts' names this run's own: two runs on one machine must not share them. */
    static final String SFX = Long.toString(ProcessHandle.current().pid() % 100000);
    Path base;
    Path qhome;
    TestUsers.User a;
    TestUsers.User b;
    TestUsers.User alias;
    Map<String, String> env = new HashMap<>();
    long messNo = 100;

    @BeforeAll
    void setUp() throws IOException {
        base = Files.createTempDirectory("qlspawn");
        Files.setAttribute(base, "unix:mode", 0755);
        qhome = Files.createDirectories(base.resolve("qmail"));
        Files.setAttribute(qhome, "unix:mode", 0755);
        Files.createDirectories(qhome.resolve("queue/mess"));
        Files.setAttribute(qhome.resolve("queue"), "unix:mode", 0700);
        Files.createDirectories(qhome.resolve("users"));
        Files.createDirectories(qhome.resolve("control"));
        a = TestUsers.add("qlspawna" + SFX, base.resolve("home/qlspawna" + SFX));
        b = TestUsers.add("qlspawnb" + SFX, base.resolve("home/qlspawnb" + SFX));
        alias = TestUsers.add("qlspawnal" + SFX, qhome.resolve("alias"));
        Cmd.run(List.of("groupadd", "qlspawnx" + SFX));
        Cmd.run(List.of("usermod", "-a", "-G", "qlspawnx" + SFX, "qlspawna" + SFX));
        Files.writeString(qhome.resolve("lib/ids").getParent() == null ? qhome : Files.createDirectories(qhome.resolve("lib")).resolve("ids"),
                "alias:" + alias.uid() + ":" + alias.gid() + "\nqmaild:1:1\nqmaill:2:2\nroot:0:0\n"
                        + "qmailp:3:3\nqmailq:4:4\nqmailr:5:5\nqmails:6:6\nnofiles:7\nqmail:8\n");
        Path fake = base.resolve("fakeq");
        Files.writeString(fake, "#!/bin/sh\nd=" + base.resolve("q") + "\ncat > $d/msg\ncat <&1 > $d/env\nid -u > $d/uid\nexit 0\n");
        Files.setAttribute(fake, "unix:mode", 0755);
        Files.createDirectories(base.resolve("q"));
        Files.setAttribute(base.resolve("q"), "unix:mode", 0777);
        env.put("QMAILQUEUE", fake.toString());
    }

    @AfterAll
    void tearDown() throws IOException {
        for (String u : List.of("qlspawna" + SFX, "qlspawnb" + SFX, "qlspawnal" + SFX)) TestUsers.remove(u);
        Cmd.run(List.of("groupdel", "qlspawnx" + SFX));
        Cmd.run(List.of("rm", "-rf", base.toString()));
    }

    /** A message in queue/mess owned by qmailq (uid 4 in this test's lib/ids). */
    String mess(String text) throws IOException {
        return messOwnedBy(text, QMAILQ);
    }

    String messOwnedBy(String text, int uid) throws IOException {
        String m = Lspawn.message(qhome, ++messNo, text);
        Files.setAttribute(qhome.resolve("queue/mess/" + m), "unix:uid", uid);
        return m;
    }

    static final int QMAILQ = 4;

    Lspawn lspawn() throws IOException {
        return new Lspawn(qhome, env, "./Mailbox");
    }

    @Test
    void userMaildirUserExtAliasAndTrash() throws IOException {
        Path md = TestUsers.maildir(a, "Maildir");
        TestUsers.file(a, ".qmail", "./Maildir/\n", 0644);
        TestUsers.file(a, ".qmail-ext", "|id > idout; echo \"$EXT $LOCAL $USER $HOME\" > vars\n", 0644);
        TestUsers.file(alias, ".qmail-postmaster", "./pm-box\n", 0644);
        try (Lspawn l = lspawn()) {
            assertThat(l.concurrency).isEqualTo(65535);
            assertThat(l.protocol.width()).as("two-byte delivery numbers").isEqualTo(2);
            String m = mess(MSG);
            l.send(1, m, "s@x.org", "qlspawna" + SFX + "@example.com");
            l.send(2, m, "s@x.org", "QLSpawnA" + SFX + "-Ext@example.com");
            l.send(3, m, "s@x.org", "postmaster@example.com");
            l.send(4, m, "s@x.org", "@example.com");
            l.send(1000, m, "s@x.org", "nobody-here@example.com");
            Map<Integer, String> r = l.readAll(5);
            assertThat(r).containsEntry(1, "Kdid 1+0+0\n").containsEntry(2, "Kdid 0+0+1\n")
                    .containsEntry(3, "Kdid 1+0+0\n").containsEntry(4, "K")
                    .containsEntry(1000, "DSorry, no mailbox here by that name. (#5.1.1)\n");
        }
        List<Path> news = TestUsers.list(md.resolve("new"));
        assertThat(news).hasSize(1);
        assertThat(Files.getAttribute(news.get(0), "unix:uid")).isEqualTo(a.uid());
        assertThat(Files.readString(news.get(0))).isEqualTo(
                "Return-Path: <s@x.org>\nDelivered-To: qlspawna" + SFX + "@example.com\n" + MSG);
        // The program ran as exactly the user's uid and gid, without the user's other groups.
        assertThat(Files.readString(a.home().resolve("idout"))).isEqualTo(
                "uid=" + a.uid() + "(qlspawna" + SFX + ") gid=" + a.gid() + "(qlspawna" + SFX + ") groups=" + a.gid() + "(qlspawna" + SFX + ")\n");
        assertThat(Files.readString(a.home().resolve("vars"))).isEqualTo("Ext QLSpawnA" + SFX + "-Ext qlspawna" + SFX + " " + a.home() + "\n");
        Path pm = alias.home().resolve("pm-box");
        assertThat(Files.getAttribute(pm, "unix:uid")).isEqualTo(alias.uid());
        assertThat(Files.readString(pm)).contains("Delivered-To: postmaster@example.com\n");
    }

    @Test
    void usersAssignExactAndWildcardEntries() throws Exception {
        Files.writeString(qhome.resolve("users/assign"),
                "=virt:qlspawnb" + SFX + ":" + b.uid() + ":" + b.gid() + ":" + b.home() + ":-:virt:\n"
                        + "+list-:qlspawnb" + SFX + ":" + b.uid() + ":" + b.gid() + ":" + b.home() + ":-:lst-:\n"
                        + "=rooty:root:0:0:/root:::\n.\n");
        QmailNewu.build(qhome.resolve("users"));
        TestUsers.file(b, ".qmail-virt", "./virt-box\n", 0644);
        TestUsers.file(b, ".qmail-lst-default", "|echo \"$EXT $DEFAULT\" > lst-vars\n", 0644);
        try (Lspawn l = lspawn()) {
            String m = mess(MSG);
            assertThat(l.deliver(m, "s@x.org", "Virt@example.com")).isEqualTo("Kdid 1+0+0\n");
            assertThat(l.deliver(m, "s@x.org", "list-Foo@example.com")).isEqualTo("Kdid 0+0+1\n");
            assertThat(l.deliver(m, "s@x.org", "rooty@example.com")).isEqualTo("ZNot allowed to perform deliveries as root.\n");
        } finally {
            Files.delete(qhome.resolve("users/cdb"));
        }
        assertThat(Files.getAttribute(b.home().resolve("virt-box"), "unix:uid")).isEqualTo(b.uid());
        assertThat(Files.readString(b.home().resolve("lst-vars"))).isEqualTo("lst-Foo Foo\n");
    }

    @Test
    void warmWorkerIsReusedAndACrashIsATemporaryFailure() throws IOException {
        TestUsers.file(b, ".qmail-ppid", "|echo $PPID >> ppids\n", 0644);
        TestUsers.file(b, ".qmail-die", "|kill -9 $PPID; sleep 5\n", 0644);
        try (Lspawn l = lspawn()) {
            String m = mess(MSG);
            assertThat(l.deliver(m, "s", "qlspawnb" + SFX + "-ppid@example.com")).isEqualTo("Kdid 0+0+1\n");
            assertThat(l.deliver(m, "s", "qlspawnb" + SFX + "-ppid@example.com")).isEqualTo("Kdid 0+0+1\n");
            List<String> ppids = Files.readAllLines(b.home().resolve("ppids"));
            assertThat(ppids).hasSize(2);
            assertThat(ppids.get(0)).isEqualTo(ppids.get(1));
            // The worker is a JVM running as the user.
            String status = Files.readString(Path.of("/proc/" + ppids.get(0) + "/status"));
            assertThat(status).containsPattern("\nUid:\\s+" + b.uid() + "\\s+" + b.uid() + "\\s+" + b.uid());
            assertThat(status).containsPattern("\nGroups:\\s+" + b.gid() + "\\s*\n");
            assertThat(l.deliver(m, "s", "qlspawnb" + SFX + "-die@example.com")).isEqualTo("Zqmail-local crashed.\n");
            // The next delivery gets a new worker.
            assertThat(l.deliver(m, "s", "qlspawnb" + SFX + "-ppid@example.com")).isEqualTo("Kdid 0+0+1\n");
            ppids = Files.readAllLines(b.home().resolve("ppids"));
            assertThat(ppids.get(2)).isNotEqualTo(ppids.get(0));
        }
    }

    @Test
    void idleWorkersStopAndThePoolIsBounded() throws Exception {
        Files.writeString(qhome.resolve("control/lspawnidle"), "1\n");
        Files.writeString(qhome.resolve("control/lspawnworkers"), "1\n");
        TestUsers.file(a, ".qmail-pid", "|echo $PPID > pid\n", 0644);
        TestUsers.file(b, ".qmail-pid", "|echo $PPID > pid\n", 0644);
        try (Lspawn l = lspawn()) {
            String m = mess(MSG);
            assertThat(l.deliver(m, "s", "qlspawna" + SFX + "-pid@example.com")).isEqualTo("Kdid 0+0+1\n");
            String pa = Files.readString(a.home().resolve("pid")).trim();
            // a second user's delivery with a pool of one stops a's worker
            assertThat(l.deliver(m, "s", "qlspawnb" + SFX + "-pid@example.com")).isEqualTo("Kdid 0+0+1\n");
            String pb = Files.readString(b.home().resolve("pid")).trim();
            waitGone(pa);
            // idle for more than a second: b's worker stops too
            waitGone(pb);
        } finally {
            Files.delete(qhome.resolve("control/lspawnidle"));
            Files.delete(qhome.resolve("control/lspawnworkers"));
        }
    }

    static void waitGone(String pid) throws InterruptedException {
        for (int i = 0; i < 100 && Files.exists(Path.of("/proc/" + pid)) && !zombie(pid); i++) Thread.sleep(100);
        assertThat(Files.exists(Path.of("/proc/" + pid)) && !zombie(pid)).as("worker " + pid + " stopped").isFalse();
    }

    static boolean zombie(String pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/status")).contains("State:\tZ");
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void forwardRunsTheQueueAsTheUserWithDeliveredTo() throws IOException {
        TestUsers.file(a, ".qmail-fwd", "&other@remote.org\n", 0644);
        try (Lspawn l = lspawn()) {
            assertThat(l.deliver(mess(MSG), "s@x.org", "qlspawna" + SFX + "-fwd@example.com")).isEqualTo("Kdid 0+1+0\n");
        }
        Path q = base.resolve("q");
        assertThat(Files.readString(q.resolve("msg"))).isEqualTo("Delivered-To: qlspawna" + SFX + "-fwd@example.com\n" + MSG);
        assertThat(Files.readString(q.resolve("env"), StandardCharsets.ISO_8859_1)).isEqualTo("Fs@x.org\0Tother@remote.org\0\0");
        assertThat(Files.readString(q.resolve("uid")).trim()).isEqualTo(Integer.toString(a.uid()));
    }

    @Test
    void aUsersDotQmailCannotWriteWhereTheUserCannot() throws IOException {
        Path bmd = TestUsers.maildir(b, "Private");
        TestUsers.file(a, ".qmail-steal", b.home().resolve("Private") + "/\n", 0644);
        TestUsers.file(a, ".qmail-etc", "/etc/qlspawn-test-box\n", 0644);
        TestUsers.file(a, ".qmail-queue", "|touch " + qhome.resolve("queue/mess/evil") + "\n", 0644);
        TestUsers.file(a, ".qmail-ww", "./ww-box\n", 0646);
        TestUsers.file(a, ".qmail-rootowned", "|id -u > rootowned-uid\n", 0644);
        Files.setAttribute(a.home().resolve(".qmail-rootowned"), "unix:uid", 0);
        try (Lspawn l = lspawn()) {
            String m = mess(MSG);
            assertThat(l.deliver(m, "s", "qlspawna" + SFX + "-steal@example.com")).isEqualTo("ZUnable to chdir to maildir. (#4.2.1)\n");
            assertThat(l.deliver(m, "s", "qlspawna" + SFX + "-etc@example.com"))
                    .isEqualTo("ZUnable to open /etc/qlspawn-test-box: access denied. (#4.2.1)\n");
            assertThat(l.deliver(m, "s", "qlspawna" + SFX + "-queue@example.com")).startsWith("Z").contains("Permission denied");
            assertThat(l.deliver(m, "s", "qlspawna" + SFX + "-ww@example.com")).isEqualTo("ZUh-oh: .qmail file is writable. (#4.7.0)\n");
            // a .qmail someone else owns is followed as netqmail does, but still only as the user
            assertThat(l.deliver(m, "s", "qlspawna" + SFX + "-rootowned@example.com")).isEqualTo("Kdid 0+0+1\n");
        }
        assertThat(TestUsers.list(bmd.resolve("new"))).isEmpty();
        assertThat(TestUsers.list(bmd.resolve("tmp"))).isEmpty();
        assertThat(Path.of("/etc/qlspawn-test-box")).doesNotExist();
        assertThat(qhome.resolve("queue/mess/evil")).doesNotExist();
        assertThat(a.home().resolve("ww-box")).doesNotExist();
        assertThat(Files.readString(a.home().resolve("rootowned-uid")).trim()).isEqualTo(Integer.toString(a.uid()));
    }

    @Test
    void homeNotOwnedByTheUserFallsToAlias() throws IOException {
        TestUsers.User c = TestUsers.add("qlspawnc" + SFX, base.resolve("home/qlspawnc" + SFX));
        try {
            Files.setAttribute(c.home(), "unix:uid", 0);
            TestUsers.file(alias, ".qmail-qlspawnc" + SFX, "./c-box\n", 0644);
            try (Lspawn l = lspawn()) {
                assertThat(l.deliver(mess(MSG), "s", "qlspawnc" + SFX + "@example.com")).isEqualTo("Kdid 1+0+0\n");
            }
            assertThat(alias.home().resolve("c-box")).exists();
        } finally {
            TestUsers.remove("qlspawnc" + SFX);
        }
    }

    @Test
    void missingMessageIsTemporary() throws IOException {
        try (Lspawn l = lspawn()) {
            assertThat(l.deliver("5/99999", "s", "qlspawna" + SFX + "@example.com")).isEqualTo("Zqmail-spawn unable to open message. (#4.3.0)\n");
        }
    }

    @Test
    void qmailGetpwPrintsNughde() throws IOException {
        Cmd.Result r = getpw("QLSpawnA" + SFX + "-Foo-Bar");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("qlspawna" + SFX + "\0" + a.uid() + "\0" + a.gid() + "\0" + a.home() + "\0-\0Foo-Bar\0");
        r = getpw("qlspawnb" + SFX);
        assertThat(r.out()).isEqualTo("qlspawnb" + SFX + "\0" + b.uid() + "\0" + b.gid() + "\0" + b.home() + "\0\0\0");
        r = getpw("no.such-user");
        assertThat(r.out()).isEqualTo("qlspawnal" + SFX + "\0" + alias.uid() + "\0" + alias.gid() + "\0" + qhome.resolve("alias") + "\0-\0no.such-user\0");
        r = getpw("root");
        assertThat(r.out()).startsWith("qlspawnal" + SFX + "\0").endsWith("\0-\0root\0");
    }

    Cmd.Result getpw(String local) throws IOException {
        return Cmd.run(List.of(System.getProperty("java.home") + "/bin/java", "--enable-native-access=ALL-UNNAMED",
                "-Dqmail.home=" + qhome, "-cp", System.getProperty("java.class.path"),
                "org.qmailj.lspawn.QmailGetpw", local), Map.of(), null, new byte[0], 60);
    }

    @Test
    void sandboxDeliversEveryAddressToTheSandboxHome() throws IOException {
        Path ids = qhome.resolve("lib/ids");
        String saved = Files.readString(ids);
        StringBuilder all = new StringBuilder();
        for (String u : org.qmailj.common.QmailIds.USERS) all.append(u).append(':').append(a.uid()).append(':').append(a.gid()).append('\n');
        all.append("nofiles:").append(a.gid()).append("\nqmail:").append(a.gid()).append('\n');
        Files.writeString(ids, all);
        Path sbox = base.resolve("sandbox");
        TestUsers.User sa = new TestUsers.User(a.name(), a.uid(), a.gid(), sbox);
        Path md = TestUsers.maildir(sa, "SandboxMaildir");
        Files.setAttribute(sbox, "unix:mode", 0755);
        Files.writeString(qhome.resolve("control/sandboxhome"), sbox + "\n");
        try (Lspawn l = new Lspawn(qhome, env, "./SandboxMaildir/")) {
            String m = messOwnedBy(MSG, 0); // a sandbox's qmailq is whoever owns queue/mess
            assertThat(l.deliver(m, "s", "anyone@example.com")).isEqualTo("Kdid 1+0+0\n");
            assertThat(l.deliver(m, "s", "qlspawnb" + SFX + "-x@example.com")).isEqualTo("Kdid 1+0+0\n");
        } finally {
            Files.writeString(ids, saved);
            Files.delete(qhome.resolve("control/sandboxhome"));
        }
        List<Path> news = TestUsers.list(md.resolve("new"));
        assertThat(news).hasSize(2);
        for (Path n : news) assertThat(Files.getAttribute(n, "unix:uid")).isEqualTo(a.uid());
        assertThat(Files.readString(news.get(0)) + Files.readString(news.get(1)))
                .contains("Delivered-To: anyone@example.com\n", "Delivered-To: qlspawnb" + SFX + "-x@example.com\n");
    }

    /** Copies the code of qmail-lspawn, qmail-local and qmail-common where any user can read it. */
    String readableClassPath() throws Exception {
        Path dir = Files.createDirectories(base.resolve("cp"));
        StringBuilder cp = new StringBuilder();
        int i = 0;
        for (Class<?> c : List.of(QmailLspawn.class, org.qmailj.local.QmailLocal.class, org.qmailj.common.QmailHome.class)) {
            Path src = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dst = dir.resolve("e" + i++ + (Files.isDirectory(src) ? "" : ".jar"));
            Cmd.Result r = Cmd.run(List.of("cp", "-r", src.toString(), dst.toString()));
            assertThat(r.exit()).as(r.toString()).isZero();
            cp.append(cp.isEmpty() ? "" : ":").append(dst);
        }
        Cmd.run(List.of("chmod", "-R", "a+rX", dir.toString()));
        return cp.toString();
    }

    @Test
    void nonRootSandboxDeliversInProcess() throws Exception {
        Path sq = Files.createDirectories(base.resolve("sq"));
        for (String d : List.of("queue/mess/3", "control", "lib", "users", "alias")) Files.createDirectories(sq.resolve(d));
        Path sbox = Files.createDirectories(base.resolve("sbox2"));
        TestUsers.User sa = new TestUsers.User(a.name(), a.uid(), a.gid(), sbox);
        Path md = TestUsers.maildir(sa, "Maildir");
        TestUsers.file(sa, ".qmail", "./Maildir/\n|id -u > uid; echo $PPID > ppid\n", 0644);
        Files.setAttribute(sbox, "unix:uid", a.uid());
        Files.setAttribute(sbox, "unix:mode", 0755);
        StringBuilder ids = new StringBuilder();
        for (String u : org.qmailj.common.QmailIds.USERS) ids.append(u).append(':').append(a.uid()).append(':').append(a.gid()).append('\n');
        Files.writeString(sq.resolve("lib/ids"), ids + "nofiles:" + a.gid() + "\nqmail:" + a.gid() + "\n");
        Files.writeString(sq.resolve("control/sandboxhome"), sbox + "\n");
        Files.writeString(sq.resolve("queue/mess/3/26"), MSG);
        Cmd.run(List.of("chown", "-R", a.uid() + ":" + a.gid(), sq.toString()));
        String in = "\u0007\u0001" + "3/26\0s@x.org\0whoever@sandbox.example\0"; // delnum 263
        Cmd.Result r = Cmd.run(List.of("setpriv", "--reuid=" + a.uid(), "--regid=" + a.gid(), "--clear-groups",
                System.getProperty("java.home") + "/bin/java", "--enable-native-access=ALL-UNNAMED",
                "-XX:-UsePerfData", "-Dqmail.home=" + sq, "-cp", readableClassPath(), "org.qmailj.lspawn.QmailLspawn", "./Mailbox"),
                Map.of(), null, in.getBytes(StandardCharsets.ISO_8859_1), 60);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("\0\u00ff\u00ff\u0007\u0001Kdid 1+0+1\n\0");
        assertThat(TestUsers.list(md.resolve("new"))).hasSize(1);
        assertThat(Files.readString(sbox.resolve("uid")).trim()).isEqualTo(Integer.toString(a.uid()));
    }

    @Test
    void manyConcurrentDeliveriesToOneWorkerEachArriveOnce() throws IOException {
        Path md = TestUsers.maildir(b, "Busy");
        TestUsers.file(b, ".qmail-busy", "./Busy/\n", 0644);
        try (Lspawn l = lspawn()) {
            String m = mess(MSG);
            for (int d = 0; d < 30; d++) l.send(d, m, "s@x.org", "qlspawnb" + SFX + "-busy@example.com");
            Map<Integer, String> r = l.readAll(30);
            assertThat(r).hasSize(30);
            assertThat(r.values()).allMatch("Kdid 1+0+0\n"::equals);
        }
        assertThat(TestUsers.list(md.resolve("new"))).hasSize(30);
        assertThat(TestUsers.list(md.resolve("tmp"))).isEmpty();
    }
}
