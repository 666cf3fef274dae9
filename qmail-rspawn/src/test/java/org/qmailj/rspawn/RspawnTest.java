package org.qmailj.rspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.spawn.SpawnProtocol;
import org.qmailj.remote.ScriptedServer;

/**
 * qmail-rspawn driven over pipes as qmail-send drives it: the wide hello, delivery commands
 * with two-byte delivery numbers, K/Z/D reports with their delivery numbers, spawn.c's
 * checks, out-of-order completion, end of input.
 */
class RspawnTest {
    @TempDir
    Path home;
    ScriptedServer server;
    Process rspawn;
    OutputStream toSpawn;
    InputStream fromSpawn;
    SpawnProtocol protocol;

    @BeforeEach
    void setUp() throws IOException {
        server = new ScriptedServer("127.0.0.1");
        int uid = (Integer) Files.getAttribute(home, "unix:uid");
        int gid = (Integer) Files.getAttribute(home, "unix:gid");
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), "qmailq:" + uid + ":" + gid + "\nqmailr:" + uid + ":" + gid
                + "\nqmail:" + gid + "\n");
        Files.createDirectories(home.resolve("control"));
        Files.writeString(home.resolve("control/me"), "me.test\n");
        Files.writeString(home.resolve("control/smtproutes"), "example.test:127.0.0.1:" + server.port() + "\n");
        Files.createDirectories(home.resolve("queue/mess/7"));
        Files.createDirectories(home.resolve("queue/lock"));
        Files.write(home.resolve("queue/lock/tcpto"), new byte[] {1, 2, 3, 4, 5});
        Files.writeString(home.resolve("queue/mess/7/30"), "Subject: t\n\nbody\n");
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
        if (rspawn != null) rspawn.destroyForcibly().waitFor();
    }

    void start(Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "org.qmailj.rspawn.QmailRspawn"));
        ProcessBuilder pb = org.qmailj.testing.DefaultSignals.builder(cmd).redirectError(home.resolve("stderr").toFile());
        pb.environment().put("QMAIL_HOME", home.toString());
        pb.environment().putAll(env);
        rspawn = pb.start();
        toSpawn = rspawn.getOutputStream();
        fromSpawn = rspawn.getInputStream();
    }

    /** Reads the hello: the wide form, 0 then 65535 little-endian; two-byte delnums from now on. */
    void hello() throws IOException {
        byte[] h = fromSpawn.readNBytes(3);
        assertThat(h).containsExactly(0, 0xff, 0xff);
        protocol = SpawnProtocol.hello(new ByteArrayInputStream(h));
        assertThat(protocol.width()).isEqualTo(2);
        assertThat(protocol.max()).isEqualTo(65535);
    }

    void send(int delnum, String messid, String sender, String recip) throws IOException {
        toSpawn.write(protocol.command(delnum, messid, sender, recip));
        toSpawn.flush();
    }

    /** One reply: "delnum:report" with delnum in decimal. */
    String reply() throws IOException {
        SpawnProtocol.Report r = protocol.readReport(fromSpawn);
        assertThat(r).as("a report before end of output").isNotNull();
        return r.delnum() + ":" + r.text();
    }

    @Test
    void deliversAndReports() throws Exception {
        start(Map.of());
        hello();
        // tcpto_clean at start-up: 1024 zero bytes.
        assertThat(Files.readAllBytes(home.resolve("queue/lock/tcpto"))).hasSize(1024).containsOnly(0);
        send(3, "7/30", "s@from.test", "r@example.test");
        assertThat(reply()).isEqualTo("3:K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234\n");
        assertThat(server.awaitCommand("QUIT")).contains("MAIL FROM:<s@from.test>", "RCPT TO:<r@example.test>");
        assertThat(server.data()).isEqualTo("Subject: t\r\n\r\nbody\r\n.\r\n");
        server.replies = line -> line.startsWith("RCPT") ? "550 unknown\r\n" : ScriptedServer.standard(line);
        send(4, "7/30", "s@from.test", "x@example.test");
        assertThat(reply()).isEqualTo("4:D127.0.0.1 does not like recipient.\nRemote host said: 550 unknown\n"
                + "Giving up on 127.0.0.1.\n");
        toSpawn.close();
        assertThat(rspawn.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(rspawn.exitValue()).isZero();
        assertThat(fromSpawn.read()).isEqualTo(-1);
    }

    @Test
    void spawnChecks() throws Exception {
        Files.createDirectories(home.resolve("queue/mess/8/40"));
        start(Map.of());
        hello();
        send(1, "7/x", "s", "r@example.test");
        assertThat(reply()).isEqualTo("1:DInternal error: messid has nonnumerics. (#5.3.5)\n");
        send(2, "/7/30", "s", "r@example.test");
        assertThat(reply()).isEqualTo("2:DInternal error: messid has nonnumerics. (#5.3.5)\n");
        send(3, "7/" + "1".repeat(98), "s", "r@example.test");
        assertThat(reply()).isEqualTo("3:DInternal error: messid too long. (#5.3.5)\n");
        send(7, "", "s", "r@example.test");
        assertThat(reply()).isEqualTo("7:DInternal error: messid too short. (#5.3.5)\n");
        send(4, "7/30", "s", "nohost");
        assertThat(reply()).isEqualTo("4:DSorry, address must include host name. (#5.1.3)\n");
        send(5, "7/31", "s", "r@example.test");
        assertThat(reply()).isEqualTo("5:Zqmail-spawn unable to open message. (#4.3.0)\n");
        send(6, "8/40", "s", "r@example.test");
        assertThat(reply()).isEqualTo("6:ZSorry, message has wrong type. (#4.3.5)\n");
        toSpawn.close();
        assertThat(rspawn.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * Issue 12, the same check as qmail-lspawn's (common.spawn.SpawnCheck): message ids naming
     * files outside queue/mess, or reached through a symbolic link (to a decoy that would pass
     * every other check), get spawn.c's reports and nothing is sent.
     */
    @Test
    void messagesOutsideTheQueueOrBehindLinksAreNeverSent() throws Exception {
        Path outside = Files.createDirectories(home.resolve("outside"));
        Files.writeString(outside.resolve("1"), "Subject: stolen\n\nsecret\n");
        Files.createSymbolicLink(home.resolve("queue/mess/7/31"), outside.resolve("1"));
        Files.createSymbolicLink(home.resolve("queue/mess/7/32"), Path.of("/etc/shadow"));
        Files.createSymbolicLink(home.resolve("queue/mess/9"), outside);
        start(Map.of());
        hello();
        String[] ids = {"/etc/shadow", "7/../../../../etc/shadow", "7/31", "7/32", "9/1", "7/abc", "7", "7//30"};
        for (int i = 0; i < ids.length; i++) send(i + 1, ids[i], "s", "bad" + i + "@example.test");
        Map<Integer, String> got = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            String r = reply();
            got.put(Integer.parseInt(r.substring(0, r.indexOf(':'))), r.substring(r.indexOf(':') + 1));
        }
        String open = "Zqmail-spawn unable to open message. (#4.3.0)\n";
        String nonnumerics = "DInternal error: messid has nonnumerics. (#5.3.5)\n";
        assertThat(got).containsExactlyInAnyOrderEntriesOf(Map.of(1, nonnumerics, 2, nonnumerics, 3, open, 4, open,
                5, open, 6, nonnumerics, 7, open, 8, open));
        send(20, "7/30", "s", "good@example.test");
        assertThat(reply()).startsWith("20:K127.0.0.1 accepted message.");
        assertThat(server.awaitCommand("QUIT")).noneMatch(c -> c.contains("bad")).contains("RCPT TO:<good@example.test>");
        assertThat(server.data()).isEqualTo("Subject: t\r\n\r\nbody\r\n.\r\n");
    }

    @Test
    void wrongOwnerIsRefused() throws Exception {
        int uid = (Integer) Files.getAttribute(home, "unix:uid");
        Files.writeString(home.resolve("lib/ids"), "qmailq:" + (uid + 1) + ":0\nqmailr:" + uid + ":0\nqmail:0\n");
        start(Map.of());
        hello();
        send(9, "7/30", "s", "r@example.test");
        assertThat(reply()).isEqualTo("9:ZSorry, message has wrong owner. (#4.3.5)\n");
    }

    @Test
    void slowDeliveriesDoNotHoldUpOthers() throws Exception {
        Files.writeString(home.resolve("control/timeoutremote"), "3\n");
        try (ScriptedServer silent = new ScriptedServer("127.0.0.1")) {
            silent.greeting = ScriptedServer.SILENT;
            Files.writeString(home.resolve("control/smtproutes"), "example.test:127.0.0.1:" + server.port()
                    + "\nslow.test:127.0.0.1:" + silent.port() + "\n");
            start(Map.of());
            hello();
            send(1, "7/30", "s", "r@slow.test");
            send(2, "7/30", "s", "r@example.test");
            assertThat(reply()).startsWith("2:K127.0.0.1 accepted message.");
            // The delivery number of a running delivery is in use.
            send(1, "7/30", "s", "r@example.test");
            assertThat(reply()).isEqualTo("1:ZInternal error: delnum in use. (#4.3.5)\n");
            assertThat(reply()).isEqualTo("1:ZConnected to 127.0.0.1 but connection died. (#4.4.2)\n");
            // End of input: exits once the running deliveries have reported.
            toSpawn.close();
            assertThat(rspawn.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void reportsAreWrittenBeforeExitAtEndOfInput() throws Exception {
        start(Map.of());
        hello();
        for (int i = 0; i < 20; i++) send(i, "7/30", "s", "r" + i + "@example.test");
        toSpawn.close();
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 20; i++) got.add(reply());
        assertThat(got).hasSize(20).allMatch(r -> r.contains(":K127.0.0.1 accepted message."));
        assertThat(got.stream().map(r -> r.substring(0, r.indexOf(':'))).distinct()).hasSize(20);
        assertThat(rspawn.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(rspawn.exitValue()).isZero();
    }

    @Test
    void twoByteDelnums() throws Exception {
        start(Map.of());
        hello();
        // delnum 1000 = 0xe8 0x03, low byte first, in the command and in the report.
        toSpawn.write(new byte[] {(byte) 0xe8, 0x03});
        toSpawn.write("7/30\0s@from.test\0r@example.test\0".getBytes(StandardCharsets.ISO_8859_1));
        toSpawn.flush();
        byte[] head = fromSpawn.readNBytes(3);
        assertThat(head).containsExactly(0xe8, 0x03, 'K');
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        int c;
        while ((c = fromSpawn.read()) > 0) rest.write(c);
        assertThat(c).as("report ends with a NUL").isZero();
        assertThat(rest.toString(StandardCharsets.ISO_8859_1)).startsWith("127.0.0.1 accepted message.");
        // More than 255 deliveries at once: every delivery number up to 65535 is usable.
        List<Integer> delnums = List.of(0, 255, 256, 300, 4096, 65535);
        for (int d : delnums) send(d, "7/30", "s@from.test", "r" + d + "@example.test");
        Map<Integer, String> got = new HashMap<>();
        for (int i = 0; i < delnums.size(); i++) {
            String r = reply();
            got.put(Integer.parseInt(r.substring(0, r.indexOf(':'))), r.substring(r.indexOf(':') + 1));
        }
        assertThat(got).containsOnlyKeys(delnums).allSatisfy((d, r) -> assertThat(r).startsWith("K127.0.0.1 accepted message."));
    }

    @Test
    void externalQmailRemote() throws Exception {
        Path fake = home.resolve("fake-remote");
        Files.writeString(fake, "#!/bin/sh\nread line\nprintf 'r\\0K%s %s %s got %s\\n\\0' \"$1\" \"$2\" \"$3\" \"$line\"\n");
        fake.toFile().setExecutable(true);
        Path failing = home.resolve("failing-remote");
        Files.writeString(failing, "#!/bin/sh\nexit 111\n");
        failing.toFile().setExecutable(true);
        Map<String, String> env = new HashMap<>();
        env.put("QMAILREMOTE", fake.toString());
        start(env);
        hello();
        send(1, "7/30", "s@from.test", "r@example.test");
        assertThat(reply()).isEqualTo("1:Kexample.test s@from.test r@example.test got Subject: t\n");
        toSpawn.close();
        assertThat(rspawn.waitFor(20, TimeUnit.SECONDS)).isTrue();
        env.put("QMAILREMOTE", failing.toString());
        start(env);
        hello();
        send(1, "7/30", "s@from.test", "r@example.test");
        assertThat(reply()).isEqualTo("1:ZUnable to run qmail-remote.\n");
    }
}
