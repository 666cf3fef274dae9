package org.qmailj.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/** forward, preline, condredirect, bouncesaying, except, maildirmake, maildir2mbox. */
class HelpersTest {
    static final String MSG = "Subject: x\n\nFrom here\nbody\n";
    @TempDir
    Path tmp;
    Map<String, String> env = new HashMap<>();
    Path q;

    @BeforeEach
    void setUp() throws IOException {
        q = Files.createDirectory(tmp.resolve("q"));
        Path script = tmp.resolve("fakeq");
        Files.writeString(script, "#!/bin/sh\ncat > " + q.resolve("msg") + "\ncat <&1 > " + q.resolve("env") + "\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        env.put("QMAILQUEUE", script.toString());
        env.put("QMAIL_HOME", tmp.toString());
        env.put("NEWSENDER", "owner@x.org");
        env.put("DTLINE", "Delivered-To: me@x.org\n");
        env.put("RPLINE", "Return-Path: <s@y.org>\n");
        env.put("UFLINE", "From s@y.org Thu Jan  1 00:00:00 1970\n");
    }

    Cmd.Result tool(String cls, String... args) throws IOException {
        return LocalRun.tool("org.qmailj.local." + cls, env, MSG, args);
    }

    String queued(String f) throws IOException {
        return Files.readString(q.resolve(f), StandardCharsets.ISO_8859_1);
    }

    @Test
    void forwardQueuesWithDtlineFromNewsender() throws IOException {
        Cmd.Result r = tool("Forward", "a@b.org", "c@d.org");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(queued("msg")).isEqualTo("Delivered-To: me@x.org\n" + MSG);
        assertThat(queued("env")).isEqualTo("Fowner@x.org\0Ta@b.org\0Tc@d.org\0\0");
        env.remove("NEWSENDER");
        r = tool("Forward", "a@b.org");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("forward: fatal: NEWSENDER not set\n");
        assertThat(tool("Forward").exit()).isEqualTo(100);
    }

    @Test
    void prelinePrependsTheLinesAndPassesTheExitCode() throws IOException {
        Path out = tmp.resolve("out");
        Cmd.Result r = tool("Preline", "sh", "-c", "cat > " + out + "; exit 77");
        assertThat(r.exit()).isEqualTo(77);
        assertThat(Files.readString(out)).isEqualTo(env.get("UFLINE") + env.get("RPLINE") + env.get("DTLINE") + MSG);
        r = tool("Preline", "-f", "-d", "sh", "-c", "cat > " + out);
        assertThat(r.exit()).isZero();
        assertThat(Files.readString(out)).isEqualTo(env.get("RPLINE") + MSG);
        r = tool("Preline", "-r", "sh", "-c", "cat > " + out);
        assertThat(Files.readString(out)).isEqualTo(env.get("UFLINE") + env.get("DTLINE") + MSG);
        assertThat(tool("Preline").exit()).isEqualTo(100);
        assertThat(tool("Preline", tmp.resolve("nonexistent").toString()).exit()).isEqualTo(100);
    }

    @Test
    void condredirectForwardsWhenTheProgramSucceeds() throws IOException {
        Cmd.Result r = tool("Condredirect", "new@x.org", "sh", "-c", "grep -q 'From here'");
        assertThat(r.exit()).as(r.toString()).isEqualTo(99);
        assertThat(queued("msg")).isEqualTo("Delivered-To: me@x.org\n" + MSG);
        assertThat(queued("env")).isEqualTo("Fowner@x.org\0Tnew@x.org\0\0");
        Files.delete(q.resolve("msg"));
        assertThat(tool("Condredirect", "new@x.org", "false").exit()).isZero();
        assertThat(tool("Condredirect", "new@x.org", "sh", "-c", "exit 111").exit()).isEqualTo(111);
        assertThat(tool("Condredirect", "new@x.org", tmp.resolve("nonexistent").toString()).exit()).isEqualTo(100);
        assertThat(q.resolve("msg")).doesNotExist();
    }

    @Test
    void bouncesayingAndExcept() throws IOException {
        Cmd.Result r = tool("Bouncesaying", "This address no longer accepts mail.");
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.err()).isEqualTo("This address no longer accepts mail.\n");
        assertThat(tool("Bouncesaying", "no", "sh", "-c", "grep -q 'From here'").exit()).isEqualTo(100);
        assertThat(tool("Bouncesaying", "no", "false").exit()).isZero();
        assertThat(tool("Bouncesaying", "no", "sh", "-c", "exit 111").exit()).isEqualTo(111);
        assertThat(tool("Except", "true").exit()).isEqualTo(100);
        assertThat(tool("Except", "false").exit()).isZero();
        assertThat(tool("Except", "sh", "-c", "exit 111").exit()).isEqualTo(111);
        assertThat(tool("Except", "sh", "-c", "exit 100").exit()).isZero();
        assertThat(tool("Except").exit()).isEqualTo(100);
    }

    @Test
    void maildirmakeAndMaildir2mbox() throws IOException {
        Path md = tmp.resolve("Maildir");
        assertThat(tool("Maildirmake", md.toString()).exit()).isZero();
        for (String d : List.of("", "tmp", "new", "cur")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(md.resolve(d)))).isEqualTo("rwx------");
        }
        Cmd.Result again = tool("Maildirmake", md.toString());
        assertThat(again.exit()).isEqualTo(111);
        assertThat(again.err()).startsWith("maildirmake: fatal: unable to mkdir " + md + ": ");
        Path m1 = Files.writeString(md.resolve("new/1.a.host"), "Return-Path: <a@x.org>\nSubject: one\n\nFrom me\n");
        Path m2 = Files.writeString(md.resolve("cur/2.b.host:2,S"), "Return-Path: <>\nSubject: two\n\nno newline");
        Files.setLastModifiedTime(m1, FileTime.fromMillis(1_000_000_000_000L));
        Files.setLastModifiedTime(m2, FileTime.fromMillis(1_000_000_100_000L));
        Path mail = tmp.resolve("mbox");
        Files.writeString(mail, "From old@x Thu Jan  1 00:00:00 1970\nSubject: old\n\nold\n\n");
        env.put("MAILDIR", md.toString());
        env.put("MAIL", mail.toString());
        env.put("MAILTMP", tmp.resolve("mbox.tmp").toString());
        Cmd.Result r = tool("Maildir2mbox");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(Files.readString(mail)).isEqualTo("From old@x Thu Jan  1 00:00:00 1970\nSubject: old\n\nold\n\n"
                + "From a@x.org Sun Sep  9 01:46:40 2001\nReturn-Path: <a@x.org>\nSubject: one\n\n>From me\n\n"
                + "From MAILER-DAEMON Sun Sep  9 01:48:20 2001\nReturn-Path: <>\nSubject: two\n\nno newline\n\n");
        assertThat(m1).doesNotExist();
        assertThat(m2).doesNotExist();
        Cmd.Result py = Cmd.run(List.of("python3", "-c",
                "import mailbox,sys; print([m['Subject'] for m in mailbox.mbox(sys.argv[1], create=False)])", mail.toString()));
        assertThat(py.out()).isEqualTo("['old', 'one', 'two']\n");
        env.remove("MAILTMP");
        assertThat(tool("Maildir2mbox").exit()).isEqualTo(111);
    }

    /** Runs a helper at -Xmx16m with a 64 MiB message file as its stdin, as qmail-local does. */
    private Cmd.Result withBigFile(Path message, String cls, String... args) throws IOException {
        List<String> java = new java.util.ArrayList<>(LocalRun.java("org.qmailj.local." + cls, List.of(args)));
        java.add(1, "-Xmx16m");
        List<String> cmd = new java.util.ArrayList<>(List.of("sh", "-c", "exec \"$@\" < \"$0\"", message.toString()));
        cmd.addAll(java);
        return Cmd.run(cmd, env, null, new byte[0], 120);
    }

    @Test
    void forwardAndCondredirectStreamAMessageBiggerThanTheirHeap() throws Exception {
        Path big = tmp.resolve("big");
        java.security.MessageDigest want = java.security.MessageDigest.getInstance("SHA-256");
        want.update(env.get("DTLINE").getBytes(StandardCharsets.ISO_8859_1));
        try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(big))) {
            byte[] line = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopq\n".getBytes(StandardCharsets.ISO_8859_1);
            out.write("Subject: big\n\n".getBytes(StandardCharsets.ISO_8859_1));
            want.update("Subject: big\n\n".getBytes(StandardCharsets.ISO_8859_1));
            for (int i = 0; i < (64 << 20) / line.length; i++) {
                out.write(line);
                want.update(line);
            }
        }
        String expected = java.util.HexFormat.of().formatHex(want.digest());

        Cmd.Result r = withBigFile(big, "Forward", "a@b.org");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(sha256(q.resolve("msg"))).isEqualTo(expected);
        Files.delete(q.resolve("msg"));

        // The program reads the whole file; the forward still gets all of it from the start.
        r = withBigFile(big, "Condredirect", "new@x.org", "sh", "-c", "cat > /dev/null");
        assertThat(r.exit()).as(r.toString()).isEqualTo(99);
        assertThat(sha256(q.resolve("msg"))).isEqualTo(expected);
        assertThat(queued("env")).isEqualTo("Fowner@x.org\0Tnew@x.org\0\0");
    }

    private static String sha256(Path f) throws Exception {
        java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(f)) {
            byte[] b = new byte[1 << 16];
            for (int n; (n = in.read(b)) > 0; ) d.update(b, 0, n);
        }
        return java.util.HexFormat.of().formatHex(d.digest());
    }
}
