package org.qmailj.showctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.Passwd;

/**
 * qmail-showctl's health check on a temporary QMAIL_HOME laid out as qmail-install lays out
 * a sandbox (every role is the running user), then broken one way at a time.
 */
class HealthCheckTest {
    @TempDir Path root;
    private QmailHome home;
    private QueueLayout queue;
    private int uid;
    private int gid;
    private ServerSocketChannel writer;
    private int triggerReader = -1;

    @BeforeEach
    void healthyHome() throws Exception {
        home = new QmailHome(root);
        queue = new QueueLayout(home.queue());
        uid = (Integer) Files.getAttribute(root, "unix:uid");
        gid = Passwd.getpwuid(uid).orElseThrow().gid();
        writeIds(uid, uid, gid);
        Files.createDirectories(root.resolve("control"));
        control("me", "localhost");
        control("locals", "localhost");
        control("rcpthosts", "localhost");
        for (QueueLayout.Dir d : QueueLayout.DIRS) {
            Path dir = queue.dir(d.name());
            make(dir, d.mode(), true);
            if (d.split()) for (int i = 0; i < QueueLayout.SPLIT; i++) make(dir.resolve(Integer.toString(i)), d.mode(), true);
        }
        Fifo.make(queue.trigger(), 0622);
        make(queue.trigger(), 0622, false);
        make(queue.sendmutex(), 0600, false);
        make(queue.tcpto(), 0644, false);
    }

    @AfterEach
    void stop() throws IOException {
        if (writer != null) writer.close();
        if (triggerReader >= 0) Fd.close(triggerReader);
    }

    /** lib/ids with qmaild's uid {@code qmaild} and every other user {@code others}. */
    private void writeIds(int qmaild, int others, int groups) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String user : QmailIds.USERS) b.append(user).append(':').append(user.equals("qmaild") ? qmaild : others).append(':').append(gid).append('\n');
        for (String group : QmailIds.GROUPS) b.append(group).append(':').append(groups).append('\n');
        Files.createDirectories(root.resolve("lib"));
        Files.writeString(root.resolve("lib/ids"), b);
    }

    private void make(Path p, int mode, boolean dir) throws IOException {
        if (dir) Files.createDirectories(p);
        else if (!Files.exists(p)) Files.createFile(p);
        Files.setAttribute(p, "unix:gid", gid);
        Files.setAttribute(p, "unix:mode", mode);
    }

    private void control(String name, String... lines) throws IOException {
        Files.writeString(root.resolve("control").resolve(name), String.join("\n", lines) + "\n");
    }

    private void daemonsAnswer() throws Exception {
        writer = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        writer.bind(UnixDomainSocketAddress.of(queue.lockDir().resolve("qmail-queue.sock")));
        triggerReader = Fifo.openRead(queue.trigger());
    }

    private String health() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(b, true, StandardCharsets.ISO_8859_1);
        assertThat(new QmailShowctl(root.resolve("control")).run(home, ps)).isZero();
        String out = b.toString(StandardCharsets.ISO_8859_1);
        return out.substring(out.indexOf("\nhealth check:\n"));
    }

    private List<String> lines() {
        return List.of(health().split("\n")).subList(2, 8);
    }

    @Test
    void aHealthyInstallIsOkEverywhere() throws Exception {
        daemonsAnswer();
        assertThat(health()).isEqualTo("""

                health check:
                queue owners and modes: OK.
                qmail users in lib/ids: OK.
                control/me resolves: OK.
                locals and rcpthosts: OK.
                queue writer answers on queue/lock/qmail-queue.sock: OK.
                qmail-send reads queue/lock/trigger: OK.
                """);
    }

    @Test
    void wrongModesAndMissingDirectoriesInTheQueue() throws Exception {
        Files.setAttribute(queue.dir("todo"), "unix:mode", 0755);
        assertThat(lines().get(0)).isEqualTo("queue owners and modes: WARNING: queue/todo has mode 0755, not 0750.");
        Files.delete(queue.dir("bounce"));
        Files.setAttribute(queue.trigger(), "unix:mode", 0666);
        assertThat(lines().get(0)).isEqualTo("queue owners and modes: WARNING: queue/todo has mode 0755, not 0750 (and 2 more).");
    }

    @Test
    void queueOwnedByAnotherUserThanLibIdsSays() throws Exception {
        int other = uid == 0 ? 1 : 0;
        StringBuilder b = new StringBuilder();
        for (String user : QmailIds.USERS) b.append(user).append(':').append(user.equals("qmailq") ? other : uid).append(':').append(gid).append('\n');
        for (String group : QmailIds.GROUPS) b.append(group).append(':').append(gid).append('\n');
        Files.writeString(root.resolve("lib/ids"), b);
        assertThat(lines().get(0)).startsWith("queue owners and modes: WARNING: queue is owned by uid " + uid + ", not " + other + " (and ");
    }

    @Test
    void usersAndGroupsWithoutPasswdEntries() throws Exception {
        writeIds(2_000_000_000, uid, gid);
        assertThat(lines().get(1)).isEqualTo("qmail users in lib/ids: WARNING: qmaild's uid 2000000000 has no passwd entry.");
        writeIds(uid, uid, 2_000_000_001);
        assertThat(lines().get(1)).isEqualTo(
                "qmail users in lib/ids: WARNING: group nofiles's gid 2000000001 is neither group nofiles nor a qmail user's group (and 1 more).");
        Files.delete(root.resolve("lib/ids"));
        assertThat(lines().get(1)).isEqualTo("qmail users in lib/ids: WARNING: cannot read lib/ids: run qmail-install.");
    }

    @Test
    void meThatDoesNotResolve() throws Exception {
        control("me", "no-such-host.invalid");
        control("rcpthosts", "localhost");
        assertThat(lines().get(2)).isEqualTo("control/me resolves: WARNING: no-such-host.invalid has no address in DNS or /etc/hosts.");
        Files.delete(root.resolve("control/me"));
        assertThat(lines().get(2)).isEqualTo("control/me resolves: WARNING: control/me is missing.");
    }

    @Test
    void localsMissingFromRcpthostsAndTheOpenRelay() throws Exception {
        control("locals", "localhost", "Mail.Example.ORG", "other.example");
        control("rcpthosts", "localhost", ".example.org");
        // .example.org covers mail.example.org, as qmail-smtpd's rcpthosts does.
        assertThat(lines().get(3)).isEqualTo(
                "locals and rcpthosts: WARNING: other.example is in locals but not in rcpthosts: SMTP clients cannot send mail to it.");
        Files.writeString(root.resolve("control/morercpthosts"), "other.example\n");
        assertThat(lines().get(3)).isEqualTo("locals and rcpthosts: OK.");
        Files.delete(root.resolve("control/locals"));
        control("me", "me.example");
        assertThat(lines().get(3)).isEqualTo(
                "locals and rcpthosts: WARNING: me.example is in locals but not in rcpthosts: SMTP clients cannot send mail to it.");
        Files.delete(root.resolve("control/rcpthosts"));
        assertThat(lines().get(3)).isEqualTo("locals and rcpthosts: WARNING: no control/rcpthosts: qmail-smtpd relays for anyone (open relay).");
    }

    @Test
    void daemonsThatDoNotAnswer() throws Exception {
        assertThat(lines().get(4)).startsWith("queue writer answers on queue/lock/qmail-queue.sock: WARNING: nothing answers (")
                .endsWith("): is qmail-queued running? injectors fall back to bin/qmail-queue.");
        assertThat(lines().get(5)).isEqualTo("qmail-send reads queue/lock/trigger: WARNING: nobody reads queue/lock/trigger: is qmail-send running?");
        daemonsAnswer();
        assertThat(lines().subList(4, 6)).containsExactly("queue writer answers on queue/lock/qmail-queue.sock: OK.",
                "qmail-send reads queue/lock/trigger: OK.");
        Fd.close(triggerReader);
        triggerReader = -1;
        Files.delete(queue.trigger());
        assertThat(lines().get(5)).isEqualTo("qmail-send reads queue/lock/trigger: WARNING: queue/lock/trigger is missing.");
        Files.createFile(queue.trigger());
        assertThat(lines().get(5)).isEqualTo("qmail-send reads queue/lock/trigger: WARNING: queue/lock/trigger is not a named pipe.");
    }

    @Test
    void maxrcptAndMaxrcptbytesAreExplained() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        new QmailShowctl(root.resolve("control")).run(home, new PrintStream(b, true, StandardCharsets.ISO_8859_1));
        assertThat(b.toString(StandardCharsets.ISO_8859_1)).contains(
                "\nmaxrcpt: (Default.) SMTP recipients per message limit is 100.\n",
                "\nmaxrcptbytes: (Default.) SMTP recipient address bytes per message limit is 16384.\n");
        control("maxrcpt", "7");
        control("maxrcptbytes", "999");
        b.reset();
        new QmailShowctl(root.resolve("control")).run(home, new PrintStream(b, true, StandardCharsets.ISO_8859_1));
        assertThat(b.toString(StandardCharsets.ISO_8859_1)).contains(
                "\nmaxrcpt: SMTP recipients per message limit is 7.\n",
                "\nmaxrcptbytes: SMTP recipient address bytes per message limit is 999.\n")
                .doesNotContain("I have no idea what this file does");
    }

    @Test
    void statusaddrFilesAreExplainedOnlyWhenPresent() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        new QmailShowctl(root.resolve("control")).run(home, new PrintStream(b, true, StandardCharsets.ISO_8859_1));
        assertThat(b.toString(StandardCharsets.ISO_8859_1)).doesNotContain("statusaddr");
        control("statusaddr", "127.0.0.1:8025");
        control("statusaddr-smtpd", "127.0.0.1:8026");
        control("statusaddr-queued", "127.0.0.1:8027");
        b.reset();
        new QmailShowctl(root.resolve("control")).run(home, new PrintStream(b, true, StandardCharsets.ISO_8859_1));
        assertThat(b.toString(StandardCharsets.ISO_8859_1)).contains(
                "\nstatusaddr: qmail-send serves /metrics and its status page on 127.0.0.1:8025.\n",
                "\nstatusaddr-queued: qmail-queued serves /metrics on 127.0.0.1:8027.\n",
                "\nstatusaddr-smtpd: tcpserver running qmail-smtpd serves /metrics (unless $STATUSADDR says otherwise) on 127.0.0.1:8026.\n")
                .doesNotContain("I have no idea what this file does");
    }
}
