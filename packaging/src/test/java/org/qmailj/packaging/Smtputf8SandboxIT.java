package org.qmailj.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qmailj.testing.Cmd;

/**
 * SMTPUTF8 addresses end to end in the sandbox: qmail-smtpd (under tcpserver) takes
 * {@code MAIL FROM:<jörg@example.org> SMTPUTF8} and a recipient with a UTF-8 extension, the
 * queue, qmail-send, qmail-lspawn and qmail-local deliver it into alice's Maildir, and the
 * Return-Path and Delivered-To lines carry the UTF-8 bytes unchanged. The first recipient is
 * controlled by {@code .qmail-ünicode} alone (no .qmail-default), so the file must be found by
 * its exact bytes; the second by the catch-all {@code .qmail-default}.
 */
class Smtputf8SandboxIT {
    /** Text as qmail's bytes (ISO-8859-1 chars) of a UTF-8 string, as files are read here. */
    static String bytes(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    static String reply(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) throw new IOException("connection closed after " + b);
                line.write(c);
            }
            byte[] l = line.toByteArray();
            b.writeBytes(l);
            b.write('\n');
            if (l.length < 4 || l[3] != '-') return b.toString(StandardCharsets.UTF_8);
        }
    }

    /** One SMTP transaction, commands in UTF-8; the replies in order. */
    static String send(int port, String from, String rcpt, String subject) throws IOException {
        StringBuilder r = new StringBuilder();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(60_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            r.append(reply(in));
            for (String cmd : List.of("EHLO client.example", "MAIL FROM:<" + from + "> SMTPUTF8", "RCPT TO:<" + rcpt + ">", "DATA",
                    "From: " + from + "\r\nTo: " + rcpt + "\r\nSubject: " + subject + "\r\n\r\nh\u00e4llo\r\n.", "QUIT")) {
                out.write((cmd + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                r.append(reply(in));
            }
        }
        return r.toString();
    }

    static void sh(Path cwd, String script) throws IOException {
        Cmd.Result r = Cmd.run(List.of("sh", "-c", script), Map.of("PATH", System.getenv("PATH")), cwd, new byte[0], 60);
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    @Test
    void utf8SenderAndRecipientReachTheMaildirByteForByte() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "qmail-sandbox-").toRealPath();
        Files.setAttribute(dir, "unix:mode", 0755);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try {
            Cmd.Result start = SandboxIT.sandbox("start", dir, port);
            assertThat(start.exit()).as(start.toString()).isZero();
            Path alice = dir.resolve("home/alice");
            // The file name written by the shell, byte for byte (\303\274 is ü in UTF-8), owned as alice's home.
            sh(alice, "printf './Maildir/\\n' > \"$(printf '.qmail-\\303\\274nicode')\" && chown --reference=. .qmail-* && chmod 644 .qmail-*");

            String replies = send(port, "j\u00f6rg@example.org", "alice-\u00fcnicode@sandbox.localdomain", "file");
            assertThat(replies).containsPattern("\r\n250[- ]SMTPUTF8\r\n").contains("354 go ahead").contains("250 ok ")
                    .doesNotContain("\r\n5").doesNotContain("\r\n4");
            String m = SandboxScriptIT.awaitMessage(alice.resolve("Maildir/new"), "Subject: file");
            assertThat(m).startsWith("Return-Path: <\"" + bytes("j\u00f6rg") + "\"@example.org>\n"
                    + "Delivered-To: " + bytes("alice-\u00fcnicode@sandbox.localdomain") + "\n");
            assertThat(m).contains("\nFrom: " + bytes("j\u00f6rg@example.org") + "\n").endsWith("\n" + bytes("h\u00e4llo") + "\n");

            sh(alice, "printf './Maildir/\\n' > .qmail-default && chown --reference=. .qmail-default && chmod 644 .qmail-default");
            send(port, "j\u00f6rg@example.org", "alice-\u00fcbrig@sandbox.localdomain", "catch-all");
            m = SandboxScriptIT.awaitMessage(alice.resolve("Maildir/new"), "Subject: catch-all");
            assertThat(m).startsWith("Return-Path: <\"" + bytes("j\u00f6rg") + "\"@example.org>\n"
                    + "Delivered-To: " + bytes("alice-\u00fcbrig@sandbox.localdomain") + "\n");
        } finally {
            Cmd.Result remove = SandboxIT.sandbox("remove", dir, port);
            assertThat(remove.exit()).as(remove.toString()).isZero();
        }
        assertThat(dir).doesNotExist();
    }
}
