package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailHome;
import org.qmailj.remote.dkim.PyDkim;
import org.qmailj.remote.dkim.QmailDkimKeygen;
import org.qmailj.testing.Cmd;
import org.xbill.DNS.SimpleResolver;

/**
 * DKIM end to end: keys made by qmail-dkimkeygen in control/dkim, qmail-remote (in-process,
 * as qmail-rspawn runs it, and as the program) sending to a loopback SMTP peer, and the
 * DATA the peer received verified by python3-dkim.
 */
class DkimDeliveryTest {
    @TempDir
    Path home;

    final Map<String, String> dns = new HashMap<>();

    void setUp(int port) throws Exception {
        Files.createDirectories(home.resolve("control"));
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), "qmailr:" + org.qmailj.common.sys.Proc.geteuid() + ":0\n");
        Files.writeString(home.resolve("control/me"), "me.test\n");
        Files.writeString(home.resolve("control/smtproutes"), "elsewhere.test:127.0.0.1:" + port + "\n");
        if (dns.isEmpty()) {
            key("-t", "ed25519", "example.test", "ed1");
            key("example.test", "rsa1");
        }
    }

    void key(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = QmailDkimKeygen.run(args, new QmailHome(home), new PrintStream(out, true), new PrintStream(err, true));
        assertThat(code).as(err.toString()).isZero();
        String line = out.toString(StandardCharsets.ISO_8859_1);
        String name = line.substring(0, line.indexOf(". IN TXT "));
        dns.put(name, line.substring(line.indexOf(" IN TXT ") + 8).strip().replaceAll("\"\\s*\"", "").replace("\"", ""));
    }

    Remote.Context ctx() throws Exception {
        RemoteControl c = RemoteControl.load(new QmailHome(home).control()).orElseThrow();
        return new Remote.Context(c, new DnsjavaDns(new SimpleResolver(new InetSocketAddress("127.0.0.1", 9))), new Ipme(),
                new Tcpto(home.resolve("tcpto")), () -> 1);
    }

    /** What the peer got, without the final dot and with leading dots undoubled: the message on the wire. */
    static byte[] received(ScriptedServer server) {
        String d = server.data();
        assertThat(d).endsWith("\r\n.\r\n");
        d = d.substring(0, d.length() - 3);
        if (d.startsWith("..")) d = d.substring(1);
        return d.replace("\r\n..", "\r\n.").getBytes(StandardCharsets.ISO_8859_1);
    }

    static final String MESSAGE = """
            From: Alice <alice@example.test>
            To: bob@elsewhere.test
            Subject: signed
             and folded
            Date: Thu, 3 Dec 2026 16:00:00 +0000
            Message-ID: <dkim-1@example.test>

            .a line that starts with a dot, doubled on the wire
            trailing spaces   \t
            ..two dots

            """;

    @Test
    void mailFromADomainWithKeysArrivesSignedTwiceAndVerifies() throws Exception {
        try (ScriptedServer server = new ScriptedServer("127.0.0.1")) {
            setUp(server.port());
            Path mess = Files.writeString(home.resolve("mess"), MESSAGE, StandardCharsets.ISO_8859_1);
            Output out = Remote.deliver(ctx(), "elsewhere.test", "alice@example.test", List.of("bob@elsewhere.test"),
                    MessageSource.file(mess));
            assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("r\0K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234\n\0");
            byte[] wire = received(server);
            String text = new String(wire, StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.test;")
                    .contains("\r\nDKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test;")
                    .endsWith("\r\n" + MESSAGE.replace("\n", "\r\n"));
            assertThat(PyDkim.verify(home, wire, dns)).isEqualTo("pass pass");
        }
    }

    @Test
    void mailFromADomainWithoutAKeyGoesOutUnchanged() throws Exception {
        try (ScriptedServer server = new ScriptedServer("127.0.0.1")) {
            setUp(server.port());
            String m = MESSAGE.replace("alice@example.test", "alice@other.test");
            Path mess = Files.writeString(home.resolve("mess"), m, StandardCharsets.ISO_8859_1);
            Output out = Remote.deliver(ctx(), "elsewhere.test", "alice@example.test", List.of("bob@elsewhere.test"),
                    MessageSource.channel(java.nio.channels.FileChannel.open(mess)));
            assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1)).startsWith("r\0K127.0.0.1 accepted message.");
            assertThat(new String(received(server), StandardCharsets.ISO_8859_1)).isEqualTo(m.replace("\n", "\r\n"));
        }
    }

    @Test
    void aBrokenKeyFileDefersInsteadOfSendingUnsigned() throws Exception {
        try (ScriptedServer server = new ScriptedServer("127.0.0.1")) {
            setUp(server.port());
            Files.writeString(home.resolve("control/dkim/example.test.bad"), "not a key\n");
            Ran r = program(null, "elsewhere.test", "alice@example.test", "bob@elsewhere.test");
            assertThat(r.out()).isEqualTo("ZUnable to read control files. (#4.3.0)\n\0");
            assertThat(server.commands).isEmpty();
        }
    }

    @Test
    void theProgramSignsAMessageFileOnDescriptor0ButNotAPipe() throws Exception {
        try (ScriptedServer server = new ScriptedServer("127.0.0.1")) {
            setUp(server.port());
            Path mess = Files.writeString(home.resolve("mess"), MESSAGE, StandardCharsets.ISO_8859_1);
            Ran r = program(mess, "elsewhere.test", "alice@example.test", "bob@elsewhere.test");
            assertThat(r.out()).isEqualTo("r\0K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234\n\0");
            assertThat(r.err()).isEmpty();
            assertThat(PyDkim.verify(home, received(server), dns)).isEqualTo("pass pass");
        }
        try (ScriptedServer server = new ScriptedServer("127.0.0.1")) {
            setUp(server.port());
            Cmd.Result r = Cmd.run(StandaloneTest.command("elsewhere.test", "alice@example.test", "bob@elsewhere.test"),
                    Map.of("QMAIL_HOME", home.toString()), home, MESSAGE.getBytes(StandardCharsets.ISO_8859_1), 60);
            assertThat(r.exit()).isZero();
            assertThat(r.out()).isEqualTo("r\0K127.0.0.1 accepted message.\nRemote host said: 250 ok 1234\n\0");
            assertThat(r.err()).isEmpty(); // descriptor 2 may be the report pipe: nothing there
            assertThat(new String(received(server), StandardCharsets.ISO_8859_1)).isEqualTo(MESSAGE.replace("\n", "\r\n"));
        }
    }

    record Ran(String out, String err) {
    }

    /** bin/qmail-remote with the file on descriptor 0 (null: an empty one). */
    Ran program(Path stdin, String... args) throws Exception {
        Path in = stdin != null ? stdin : Files.writeString(home.resolve("empty"), "");
        Path err = home.resolve("stderr");
        ProcessBuilder pb = org.qmailj.testing.DefaultSignals.builder(StandaloneTest.command(args))
                .redirectInput(in.toFile()).redirectError(err.toFile());
        pb.environment().put("QMAIL_HOME", home.toString());
        Process p = pb.start();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        p.getInputStream().transferTo(b);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        return new Ran(b.toString(StandardCharsets.ISO_8859_1), Files.readString(err));
    }
}
