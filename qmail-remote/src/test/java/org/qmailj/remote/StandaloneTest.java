package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * bin/qmail-remote as a program: arguments, the message on descriptor 0 (a pipe or a file),
 * the reports on descriptor 1 byte for byte, nothing on descriptor 2, exit 0 always.
 */
class StandaloneTest {
    @TempDir
    Path home;

    static List<String> command(String... args) {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "org.qmailj.remote.QmailRemote"));
        c.addAll(List.of(args));
        return c;
    }

    Cmd.Result run(byte[] stdin, String... args) throws IOException {
        return Cmd.run(command(args), Map.of("QMAIL_HOME", home.toString()), home, stdin, 60);
    }

    void control(String name, String value) throws IOException {
        Files.createDirectories(home.resolve("control"));
        Files.writeString(home.resolve("control").resolve(name), value);
    }

    @Test
    void usage() throws IOException {
        Cmd.Result r = run(new byte[0], "host", "sender");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("DI (qmail-remote) was invoked improperly. (#5.3.5)\n\0");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void refusesToRunWithoutHelohost() throws IOException {
        Files.createDirectories(home.resolve("control"));
        Cmd.Result r = run(new byte[0], "example.test", "s@x", "r@example.test");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("ZUnable to read control files. (#4.3.0)\n\0");
    }

    @Test
    void deliversMessageFromPipe() throws IOException {
        try (ScriptedServer server = new ScriptedServer("127.0.0.1")) {
            control("me", "me.test\n");
            control("helohost", "helo.test\n");
            control("smtproutes", "example.test:[127.0.0.1]:" + server.port() + "\n");
            Cmd.Result r = run("Subject: x\n\nhi\n".getBytes(StandardCharsets.ISO_8859_1),
                    "example.test", "s@from.test", "a@example.test", "b@example.test");
            assertThat(r.exit()).isZero();
            assertThat(r.out()).isEqualTo("r\0r\0K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234\n\0");
            assertThat(r.err()).isEmpty();
            assertThat(server.commands).startsWith("EHLO helo.test", "MAIL FROM:<s@from.test>",
                    "RCPT TO:<a@example.test>", "RCPT TO:<b@example.test>", "DATA");
            assertThat(server.data()).isEqualTo("Subject: x\r\n\r\nhi\r\n.\r\n");
        }
    }

    @Test
    void messageOnAFileIsScannedFor8bit() throws Exception {
        try (ScriptedServer server = new ScriptedServer("127.0.0.1")) {
            control("me", "me.test\n");
            control("smtproutes", "example.test:127.0.0.1:" + server.port() + "\n");
            Path mess = home.resolve("mess");
            Files.write(mess, "caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
            ProcessBuilder pb = org.qmailj.testing.DefaultSignals.builder(command("example.test", "s@from.test", "a@example.test"))
                    .redirectInput(mess.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("QMAIL_HOME", home.toString());
            Process p = pb.start();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            p.getInputStream().transferTo(b);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            assertThat(b.toString(StandardCharsets.ISO_8859_1))
                    .isEqualTo("r\0K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234\n\0");
            assertThat(server.commands).contains("MAIL FROM:<s@from.test> BODY=8BITMIME");
            assertThat(server.data()).isEqualTo("caf\u00e9\r\n.\r\n");
        }
    }
}
