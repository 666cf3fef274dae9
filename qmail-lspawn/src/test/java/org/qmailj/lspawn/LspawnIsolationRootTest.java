package org.qmailj.lspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/**
 * qmail-lspawn as root against hostile input (issue 12): spawn commands that name files
 * outside the queue, and workers that break the protocol.
 */
@RootOnly
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LspawnIsolationRootTest {
    static final String MSG = "Subject: test\n\nhello\n";
    static final int QMAILQ = 4;
    Path base;
    Path qhome;
    TestUsers.User u;
    Path maildir;
    Map<String, String> env = new HashMap<>();

    @BeforeAll
    void setUp() throws IOException {
        base = Files.createTempDirectory("qlsiso");
        Files.setAttribute(base, "unix:mode", 0755);
        qhome = Files.createDirectories(base.resolve("qmail"));
        Files.createDirectories(qhome.resolve("queue/mess/3"));
        Files.setAttribute(qhome.resolve("queue"), "unix:mode", 0700);
        Files.createDirectories(qhome.resolve("users"));
        Files.createDirectories(qhome.resolve("control"));
        Files.createDirectories(qhome.resolve("lib"));
        u = TestUsers.add("qlsiso", base.resolve("home/qlsiso"));
        Files.writeString(qhome.resolve("lib/ids"), "alias:" + u.uid() + ":" + u.gid() + "\nqmaild:1:1\nqmaill:2:2\nroot:0:0\n"
                + "qmailp:3:3\nqmailq:" + QMAILQ + ":4\nqmailr:5:5\nqmails:6:6\nnofiles:7\nqmail:8\n");
        maildir = TestUsers.maildir(u, "Maildir");
        TestUsers.file(u, ".qmail", "./Maildir/\n", 0644);
    }

    @AfterAll
    void tearDown() throws IOException {
        TestUsers.remove("qlsiso");
        Cmd.run(List.of("rm", "-rf", base.toString()));
    }

    Path mess(String messid, String text, int owner) throws IOException {
        Path f = qhome.resolve("queue/mess/" + messid);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        Files.setAttribute(f, "unix:uid", owner);
        return f;
    }

    @Test
    void commandsNamingFilesOutsideTheQueueAreRefusedAndOpenNothing() throws Exception {
        // Decoys outside queue/mess that would pass every other check: regular, owned by qmailq.
        Path outside = Files.createDirectories(base.resolve("outside"));
        Files.writeString(outside.resolve("1"), "Subject: stolen\n\n");
        Files.setAttribute(outside.resolve("1"), "unix:uid", QMAILQ);
        Files.createSymbolicLink(qhome.resolve("queue/mess/3/777"), Path.of("/etc/shadow"));
        Files.createSymbolicLink(qhome.resolve("queue/mess/3/779"), outside.resolve("1"));
        Files.createSymbolicLink(qhome.resolve("queue/mess/9"), outside);
        mess("3/778", MSG, 0); // a root-owned file in queue/mess
        mess("3/26", MSG, QMAILQ);
        Path trace = base.resolve("strace.out");
        Path lspawnErr = base.resolve("lspawn.err");
        List<String> cmd = new ArrayList<>(List.of("strace", "-f", "-qq", "-e", "trace=open,openat,openat2",
                "-o", trace.toString()));
        Map<Integer, String> r;
        try (Lspawn l = new Lspawn(qhome, env, "./Maildir/", List.of(), lspawnErr, cmd)) {
            String[] ids = {"/etc/shadow", "3/../../../../../etc/shadow", "3/777", "3/779", "9/1", "3/778", "3/abc", "3", "3/26"};
            for (int i = 0; i < ids.length; i++) l.send(i + 1, ids[i], "s@x.org", "qlsiso@example.com");
            r = l.readAll(ids.length);
        }
        assertThat(r).containsExactlyInAnyOrderEntriesOf(Map.of(
                1, "DInternal error: messid has nonnumerics. (#5.3.5)\n",
                2, "DInternal error: messid has nonnumerics. (#5.3.5)\n",
                3, "Zqmail-spawn unable to open message. (#4.3.0)\n",
                4, "Zqmail-spawn unable to open message. (#4.3.0)\n",
                5, "Zqmail-spawn unable to open message. (#4.3.0)\n",
                6, "ZSorry, message has wrong owner. (#4.3.5)\n",
                7, "DInternal error: messid has nonnumerics. (#5.3.5)\n",
                8, "Zqmail-spawn unable to open message. (#4.3.0)\n",
                9, "Kdid 1+0+0\n"));
        List<Path> news = TestUsers.list(maildir.resolve("new"));
        assertThat(news).hasSize(1);
        assertThat(Files.readString(news.get(0))).endsWith(MSG);
        // Nothing outside queue/mess was opened: no open names shadow or the decoys, and the
        // links were met with O_NOFOLLOW and refused (ELOOP), not followed.
        String log = Files.readString(trace);
        assertThat(log).contains("\"26\"").doesNotContain("shadow").doesNotContain(outside.toString());
        assertThat(log.lines().filter(x -> x.contains("\"777\"") || x.contains("\"779\"")))
                .hasSize(2).allMatch(x -> x.contains("O_NOFOLLOW") && x.contains("ELOOP"));
        assertThat(log.lines().filter(x -> x.contains("openat(") && x.contains("\"9\"")))
                .hasSize(1).allMatch(x -> x.contains("O_DIRECTORY") && x.contains("O_NOFOLLOW"));
    }

    /**
     * Workers run as the user, who must not be able to attach a tool (and load code) into
     * one: they start with -XX:+DisableAttachMechanism, and jcmd run as the user fails.
     */
    @Test
    void theUserCannotAttachToTheirWorker() throws Exception {
        mess("3/40", MSG, QMAILQ);
        TestUsers.file(u, ".qmail-ppid", "|echo $PPID > ppid\n", 0644);
        try (Lspawn l = new Lspawn(qhome, env, "./Maildir/")) {
            assertThat(l.deliver("3/40", "s@x.org", "qlsiso-ppid@example.com")).isEqualTo("Kdid 0+0+1\n");
            String pid = Files.readString(u.home().resolve("ppid")).trim();
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
            assertThat(cmdline).contains("org.qmailj.local.LocalWorker", "-XX:+DisableAttachMechanism");
            Cmd.Result r = Cmd.run(List.of("setpriv", "--reuid=" + u.uid(), "--regid=" + u.gid(), "--clear-groups",
                    System.getProperty("java.home") + "/bin/jcmd", pid, "VM.version"), Map.of(), null, new byte[0], 60);
            assertThat(r.exit()).as(r.toString()).isNotZero();
            assertThat(r.out()).doesNotContain("JDK");
        }
    }

    /**
     * The user may signal their worker. A SIGQUIT (what a jcmd attach sends, too) must not make
     * its JVM write a thread dump anywhere: not into the response pipe (stdout: a broken
     * protocol), not into lspawn's stderr (the log, flooded as often as the user likes). The
     * worker just ends, as the user's kill -9 would, and the next delivery gets a new one.
     */
    @Test
    void theUsersSignalEndsTheirWorkerAndWritesNothing() throws Exception {
        mess("3/50", MSG, QMAILQ);
        TestUsers.file(u, ".qmail-dump", "|echo $PPID > dump-ppid\n./Maildir/\n", 0644);
        Path err = base.resolve("lspawn-dump.err");
        try (Lspawn l = new Lspawn(qhome, env, "./Maildir/", List.of(), err, List.of())) {
            assertThat(l.deliver("3/50", "s@x.org", "qlsiso-dump@example.com")).isEqualTo("Kdid 1+0+1\n");
            long pid = Long.parseLong(Files.readString(u.home().resolve("dump-ppid")).trim());
            assertThat(Files.readString(Path.of("/proc/" + pid + "/cmdline"))).contains("org.qmailj.local.LocalWorker");
            Cmd.Result quit = Cmd.run(List.of("setpriv", "--reuid=" + u.uid(), "--regid=" + u.gid(), "--clear-groups",
                    "kill", "-QUIT", Long.toString(pid)), Map.of(), null, new byte[0], 60);
            assertThat(quit.exit()).as(quit.toString()).isZero();
            ProcessHandle worker = ProcessHandle.of(pid).orElse(null);
            if (worker != null) worker.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
            long before = TestUsers.list(maildir.resolve("new")).size();
            assertThat(l.deliver("3/50", "s@x.org", "qlsiso-dump@example.com")).isEqualTo("Kdid 1+0+1\n");
            assertThat(TestUsers.list(maildir.resolve("new"))).hasSize((int) before + 1);
            assertThat(Long.parseLong(Files.readString(u.home().resolve("dump-ppid")).trim())).as("a new worker").isNotEqualTo(pid);
            assertThat(Files.exists(err) ? Files.readString(err) : "").doesNotContain("Full thread dump").doesNotContain("killing worker");
        }
    }

    /** Compiles a stand-in worker that writes {@code frame} on its fd 1, then hangs. */
    Path fakeWorker(String name, String frame) throws IOException {
        Path dir = Files.createDirectories(base.resolve("fake-" + name));
        Path src = Files.createDirectories(dir.resolve("src/org/qmailj/local")).resolve("LocalWorker.java");
        Files.writeString(src, "package org.qmailj.local;\n"
                + "public final class LocalWorker {\n"
                + "  public static void main(String[] a) throws Exception {\n"
                + "    java.io.DataOutputStream o = new java.io.DataOutputStream(new java.io.FileOutputStream(java.io.FileDescriptor.out));\n"
                + "    " + frame + "\n"
                + "    o.flush();\n"
                + "    Thread.sleep(Long.MAX_VALUE);\n"
                + "  }\n"
                + "}\n");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), src.toString());
        assertThat(rc).isZero();
        return classes;
    }

    /**
     * A worker runs as the user; one that sends an oversized frame, a bad exit code or an
     * answer to a delivery it was not given is killed, its delivery fails (Z), and the next
     * delivery gets a fresh worker.
     */
    @Test
    void aWorkerBreakingTheProtocolIsKilledAndItsDeliveryDeferred() throws Exception {
        mess("3/30", MSG, QMAILQ);
        Map<String, String> frames = Map.of(
                "huge", "o.writeInt(1); o.writeInt(0); o.writeInt(Integer.MAX_VALUE); o.write(new byte[100000]);",
                "exit", "o.writeInt(1); o.writeInt(-7); o.writeInt(0);",
                "stranger", "o.writeInt(424242); o.writeInt(0); o.writeInt(2); o.write('K'); o.write('x');");
        for (var e : frames.entrySet()) {
            Path classes = fakeWorker(e.getKey(), e.getValue());
            Path err = base.resolve("lspawn-" + e.getKey() + ".err");
            long before = TestUsers.list(maildir.resolve("new")).size();
            try (Lspawn l = new Lspawn(qhome, env, "./Maildir/", List.of(
                    "-Dqmail.worker.jvm=-Xbootclasspath/a:" + classes), err, List.of())) {
                assertThat(l.deliver("3/30", "s@x.org", "qlsiso@example.com")).as(e.getKey())
                        .isEqualTo("Zqmail-local crashed.\n");
            }
            assertThat(Files.readString(err)).as(e.getKey()).contains("qmail-lspawn: killing worker");
            assertThat(TestUsers.list(maildir.resolve("new"))).hasSize((int) before);
        }
        // A real worker afterwards: the delivery is done.
        try (Lspawn l = new Lspawn(qhome, env, "./Maildir/")) {
            assertThat(l.deliver("3/30", "s@x.org", "qlsiso@example.com")).isEqualTo("Kdid 1+0+0\n");
        }
    }
}
