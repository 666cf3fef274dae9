package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * RCPTCHECK with a UTF-8 address extension (SMTPUTF8): alice's {@code .qmail-ünicode},
 * written by the shell byte for byte, makes {@code alice-ünicode} deliverable, as qmail-local
 * finds it by the same bytes; an extension with no file is refused. java.nio would look for
 * another name (each byte re-encoded under a UTF-8 locale) or none at all (ASCII locale).
 */
class RecipientCheckUtf8Test {
    @TempDir
    Path dir;

    /** qmail's bytes (ISO-8859-1 chars) of a UTF-8 string, as SmtpClient sends them. */
    static String bytes(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    @Test
    void utf8ExtensionIsFoundByItsBytes() throws Exception {
        RcptFixture f = new RcptFixture(dir);
        Path alice = dir.resolve("homes/alice");
        Cmd.Result r = Cmd.run(List.of("sh", "-c", "printf './Maildir/\\n' > \"$(printf '.qmail-\\303\\274nicode')\" && chmod 644 .qmail-*"),
                Map.of("PATH", System.getenv("PATH")), alice, new byte[0], 60);
        assertThat(r.exit()).as(r.toString()).isZero();
        try (LoopbackServer srv = LoopbackServer.smtpd(f.test, f.test.env("RCPTCHECK", "1")); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("EHLO client.example\r\n").reply();
            assertThat(c.send(bytes("MAIL FROM:<j\u00f6rg@remote.example> SMTPUTF8\r\n")).reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send(bytes("RCPT TO:<alice-\u00fcnicode@local.example>\r\n")).reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send(bytes("RCPT TO:<alice-\u00fcnknown@local.example>\r\n")).reply())
                    .isEqualTo("550 sorry, no mailbox here by that name. (#5.1.1)\r\n");
            c.send("QUIT\r\n").reply();
        }
    }
}
