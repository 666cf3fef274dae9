package org.qmailj.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/** The packaged tree (packaging/target/qmail) and bin/qmail-install, run as a user would. */
class TreeIT {
    static Path tree;

    @BeforeAll
    static void findTree() {
        tree = Path.of(System.getProperty("qmail.tree"));
        assertThat(tree.resolve("bin/qmail-install")).isExecutable();
    }

    static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    static boolean isFifo(Path p) throws IOException {
        return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000) == 0010000;
    }

    static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    static Cmd.Result install(Path dir, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(tree.resolve("bin/qmail-install").toString(), dir.toString()));
        cmd.addAll(List.of(extra));
        return Cmd.run(cmd, Map.of(), null, new byte[0], 180);
    }

    @Test
    void treeHasLaunchersJarsAndManPages() throws IOException {
        assertThat(tree.resolve("bin/qmail-showctl")).isExecutable();
        assertThat(tree.resolve("lib/qmail-common.jar")).isRegularFile();
        assertThat(tree.resolve("man/man8/qmail-send.8")).isRegularFile();
        assertThat(Files.readString(tree.resolve("man/man8/qmail-send.8"))).contains("compile time to\n65000.").doesNotContain("SPAWN");
        assertThat(Files.readString(tree.resolve("man/man5/qmail-control.5"))).contains("/var/qmail/control").doesNotContain("QMAILHOME");
        assertThat(tree.resolve("man/man5/dot-qmail.5")).isRegularFile();
        assertThat(tree.resolve("lib/jdk/bin/java")).isExecutable();
    }

    @Test
    void sandboxInstallMakesAReadyQmailHome(@TempDir Path tmp) throws IOException {
        Path home = tmp.resolve("qmail");
        Cmd.Result r = install(home, "--sandbox", "--me=mail.test.example");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).isEmpty();

        assertThat(home.resolve("bin/qmail-showctl")).isExecutable();
        assertThat(home.resolve("lib/qmail.aot")).isRegularFile();
        assertThat(Files.readString(home.resolve("control/me"))).isEqualTo("mail.test.example\n");
        assertThat(Files.readString(home.resolve("control/locals"))).isEqualTo("localhost\nmail.test.example\n");
        assertThat(Files.readString(home.resolve("control/rcpthosts"))).isEqualTo("mail.test.example\n");
        assertThat(Files.readString(home.resolve("control/defaultdomain"))).isEqualTo("test.example\n");
        assertThat(Files.readString(home.resolve("control/plusdomain"))).isEqualTo("test.example\n");

        Path q = home.resolve("queue");
        assertThat(mode(q)).isEqualTo(0750);
        assertThat(mode(q.resolve("pid"))).isEqualTo(0700);
        assertThat(mode(q.resolve("intd"))).isEqualTo(0700);
        assertThat(mode(q.resolve("todo"))).isEqualTo(0750);
        assertThat(mode(q.resolve("bounce"))).isEqualTo(0700);
        assertThat(mode(q.resolve("lock"))).isEqualTo(0750);
        for (String split : List.of("mess", "info", "local", "remote")) {
            for (int i = 0; i < 23; i++) assertThat(q.resolve(split + "/" + i)).isDirectory();
            assertThat(q.resolve(split + "/23")).doesNotExist();
        }
        assertThat(mode(q.resolve("mess/0"))).isEqualTo(0750);
        assertThat(mode(q.resolve("info/22"))).isEqualTo(0700);
        assertThat(isFifo(q.resolve("lock/trigger"))).as("trigger is a fifo").isTrue();
        assertThat(mode(q.resolve("lock/trigger"))).isEqualTo(0622);
        assertThat(mode(q.resolve("lock/tcpto"))).isEqualTo(0644);
        assertThat(mode(q.resolve("lock/sendmutex"))).isEqualTo(0600);
        assertThat(mode(home.resolve("alias"))).isEqualTo(02755);

        int me = uid(tmp);
        assertThat(uid(q.resolve("mess/3"))).isEqualTo(me);
        String ids = Files.readString(home.resolve("lib/ids"));
        assertThat(ids).contains("qmailq:" + me + ":").contains("qmails:" + me + ":").contains("alias:" + me + ":");

        Cmd.Result show = Cmd.run(List.of(home.resolve("bin/qmail-showctl").toString()));
        assertThat(show.exit()).isZero();
        assertThat(show.err()).as("no JVM warnings on stderr").isEmpty();
        assertThat(show.out()).startsWith("qmail home directory: " + home.toRealPath() + ".\n")
                .contains("\nme: My name is mail.test.example.\n")
                .contains("\nbouncehost: (Default.) Bounce host name is mail.test.example.\n")
                .contains("\nlocals: \nMessages for localhost are delivered locally.\nMessages for mail.test.example are delivered locally.\n")
                .contains("subdirectory split: 23.\n");

        // The injection tools have a cache of their own, which holds every class a call loads:
        // nothing is read from a jar (issue 14: one call must start about as fast as a bare JVM).
        assertThat(home.resolve("lib/inject.aot")).isRegularFile();
        for (String tool : List.of("qmail-inject", "sendmail")) {
            Path log = tmp.resolve(tool + "-classes.log");
            Cmd.Result r2 = Cmd.run(List.of(home.resolve("bin/" + tool).toString(), tool.equals("sendmail") ? "-bp" : "-n"),
                    Map.of("QMAIL_JAVA_OPTS", "-Xlog:class+load:file=" + log), null,
                    "To: a\nSubject: s\n\nbody\n".getBytes(StandardCharsets.ISO_8859_1), 60);
            assertThat(r2.exit()).as(r2.toString()).isZero();
            assertThat(r2.err()).as("no JVM warnings on stderr").isEmpty();
            List<String> fromJars = Files.readAllLines(log).stream().filter(l -> l.contains("source: file:")).toList();
            assertThat(fromJars).as(tool + ": classes loaded from jars rather than the cache").isEmpty();
        }
    }

    @Test
    void installIsIdempotentAndKeepsQueueAndControl(@TempDir Path tmp) throws IOException {
        Path home = tmp.resolve("qmail");
        assertThat(install(home, "--sandbox", "--me=a.example", "--no-aot").exit()).isZero();
        Path queued = home.resolve("queue/mess/5/5");
        Files.writeString(queued, "a queued message\n");
        Files.writeString(home.resolve("queue/todo/5"), "u1\0p2\0Fx\0Ty@z\0");
        Files.writeString(home.resolve("control/me"), "changed.example\n");
        Files.writeString(home.resolve("control/concurrencyremote"), "200\n");
        Files.setAttribute(home.resolve("queue/todo"), "unix:mode", 0777);

        Cmd.Result again = install(home, "--sandbox", "--me=b.example", "--no-aot");
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(Files.readString(queued)).isEqualTo("a queued message\n");
        assertThat(Files.readString(home.resolve("queue/todo/5"))).isEqualTo("u1\0p2\0Fx\0Ty@z\0");
        assertThat(Files.readString(home.resolve("control/me"))).isEqualTo("changed.example\n");
        assertThat(Files.readString(home.resolve("control/concurrencyremote"))).isEqualTo("200\n");
        assertThat(mode(home.resolve("queue/todo"))).as("modes are set again").isEqualTo(0750);
        assertThat(isFifo(home.resolve("queue/lock/trigger"))).isTrue();
    }

    @Test
    void copiedTreeWorksWhereverItIs(@TempDir Path tmp) throws IOException, InterruptedException {
        Path copy = tmp.resolve("elsewhere/qm");
        Files.createDirectories(copy.getParent());
        Process cp = new ProcessBuilder("cp", "-a", tree.toString(), copy.toString()).inheritIO().start();
        assertThat(cp.waitFor()).isZero();
        Files.createDirectories(copy.resolve("control"));
        Files.writeString(copy.resolve("control/me"), "copy.example\n");
        Files.writeString(copy.resolve("control/concurrencylocal"), "bogus\n");
        Path link = tmp.resolve("showctl-link");
        Files.createSymbolicLink(link, copy.resolve("bin/qmail-showctl"));
        Cmd.Result show = Cmd.run(List.of(link.toString()));
        assertThat(show.exit()).as(show.toString()).isZero();
        assertThat(show.out()).startsWith("qmail home directory: " + copy.toRealPath() + ".\n")
                .contains("\nme: My name is copy.example.\n")
                .contains("\nconcurrencylocal: Oops! Trouble reading this file.\n")
                .contains("\nconcurrencyremote: (Default.) Remote concurrency is 20.\n");
    }

    /**
     * The launcher finds QMAIL_HOME from $0 without readlink when $0 is absolute and not a
     * link, with readlink when it is a link (/usr/sbin/sendmail style) or relative.
     */
    @Test
    void launcherFindsItsHomeByEveryKindOfPath(@TempDir Path tmp) throws IOException {
        Path home = tmp.resolve("real/qm");
        Files.createDirectories(home.getParent());
        Process cp = new ProcessBuilder("cp", "-a", tree.toString(), home.toString()).inheritIO().start();
        try {
            assertThat(cp.waitFor()).isZero();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        Files.createDirectories(home.resolve("control"));
        Files.writeString(home.resolve("control/me"), "paths.example\n");
        Path linkedDir = Files.createSymbolicLink(tmp.resolve("linked"), home);
        Path linkedLauncher = Files.createSymbolicLink(tmp.resolve("showctl"), home.resolve("bin/qmail-showctl"));
        record Way(List<String> command, Path dir, Path shownHome) {}
        for (Way w : List.of(
                new Way(List.of(home.resolve("bin/qmail-showctl").toString()), null, home),
                new Way(List.of(linkedDir.resolve("bin/qmail-showctl").toString()), null, linkedDir),
                new Way(List.of(linkedLauncher.toString()), null, home.toRealPath()),
                new Way(List.of("bin/qmail-showctl"), home, home.toRealPath()),
                new Way(List.of("./qmail-showctl"), home.resolve("bin"), home.toRealPath()))) {
            Cmd.Result show = Cmd.run(w.command(), Map.of(), w.dir(), new byte[0], 60);
            assertThat(show.exit()).as(w + ": " + show).isZero();
            assertThat(show.out()).as(w.toString()).startsWith("qmail home directory: " + w.shownHome() + ".\n")
                    .contains("\nme: My name is paths.example.\n");
        }
    }

    /** Started with HUP ignored (nohup), a daemon still gets HUP: the launcher resets it. */
    @Test
    void daemonsCatchHangupEvenWhenStartedWithItIgnored(@TempDir Path tmp) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", "trap '' HUP; exec \"$0\" >/dev/null 2>&1",
                tree.resolve("bin/qmail-clean").toString()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        try {
            long sigIgn = -1;
            long deadline = System.nanoTime() + 30_000_000_000L;
            // Wait for the JVM itself (env execs it, keeping the pid). env's own command line
            // names the class too, and env resets HUP only just before its exec: so wait for
            // the executable to be java, then read the status (an exec is not undone).
            while (System.nanoTime() < deadline) {
                String exe;
                try {
                    exe = Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/exe")).toString();
                } catch (IOException e) {
                    exe = "";
                }
                if (exe.endsWith("/bin/java")) {
                    String status = Files.readString(Path.of("/proc/" + p.pid() + "/status"));
                    sigIgn = Long.parseLong(status.lines().filter(l -> l.startsWith("SigIgn:")).findFirst()
                            .orElseThrow().substring(7).trim(), 16);
                    break;
                }
                Thread.sleep(20);
            }
            assertThat(sigIgn).as("SigIgn of the daemon's JVM").isNotEqualTo(-1);
            assertThat(sigIgn & 1).as("SIGHUP ignored").isZero();
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    /**
     * qmail-pop3d runs as the user, who may signal it: a SIGQUIT ends it (-Xrs) instead of
     * having its JVM write a thread dump into the POP3 service's log on stderr.
     */
    @Test
    void theUsersSignalEndsQmailPop3dWithoutAThreadDump() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "qmail-pop3d-");
        try {
            for (String d : List.of("cur", "new", "tmp")) Files.createDirectories(dir.resolve("Maildir").resolve(d));
            boolean root = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
            List<String> cmd = new ArrayList<>();
            if (root) {
                Files.setAttribute(dir, "unix:mode", 0755);
                assertThat(Cmd.run(List.of("chown", "-R", "65534:65534", dir.toString())).exit()).isZero();
                cmd.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
            }
            cmd.addAll(List.of(tree.resolve("bin/qmail-pop3d").toString(), "./Maildir/"));
            Path err = dir.resolve("stderr");
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(err.toFile()).start();
            try {
                byte[] greeting = new byte[5];
                assertThat(p.getInputStream().readNBytes(greeting, 0, 5)).isEqualTo(5);
                assertThat(new String(greeting, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("+OK \r");
                assertThat(Cmd.run(List.of("kill", "-QUIT", Long.toString(p.pid()))).exit()).isZero();
                assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("qmail-pop3d ended by SIGQUIT").isTrue();
                assertThat(Files.readString(err)).doesNotContain("Full thread dump");
            } finally {
                p.destroyForcibly().waitFor();
            }
        } finally {
            Cmd.run(List.of("rm", "-rf", dir.toString()));
        }
    }

    @Test
    void usageErrors(@TempDir Path tmp) throws IOException {
        Cmd.Result r = Cmd.run(List.of(tree.resolve("bin/qmail-install").toString()));
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.err()).startsWith("qmail-install: usage:");
        Cmd.Result bogus = Cmd.run(List.of(tree.resolve("bin/qmail-install").toString(), "--bogus"));
        assertThat(bogus.exit()).isEqualTo(100);
        assertThat(bogus.err()).contains("qmail-install: error: Unknown option: '--bogus'\n").contains("qmail-install: usage:");
        Path file = tmp.resolve("plainfile");
        Files.writeString(file, "x", StandardCharsets.US_ASCII);
        Cmd.Result notDir = install(file, "--sandbox", "--no-aot");
        assertThat(notDir.exit()).isEqualTo(111);
        assertThat(notDir.err()).startsWith("qmail-install: fatal: ").contains(file.toString());
    }
}
