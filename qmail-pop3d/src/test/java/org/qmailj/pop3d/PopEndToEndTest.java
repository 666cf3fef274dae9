package org.qmailj.pop3d;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * qmail-popup, checkpassword and qmail-pop3d under Debian's tcpserver ({@link PopService}), read
 * by real clients: Python's poplib (Debian's /usr/bin/python3) and fetchmail.
 */
class PopEndToEndTest {
    @TempDir
    Path dir;
    PopService pop;

    @BeforeEach
    void start() throws Exception {
        pop = new PopService(dir);
    }

    @AfterEach
    void stop() {
        pop.close();
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** About 5 MB of 76-character lines, some starting with a dot. */
    static byte[] bigMessage() {
        StringBuilder s = new StringBuilder("Subject: big\n\n");
        for (int i = 0; s.length() < 5_000_000; i++) {
            s.append(i % 7 == 0 ? "." : "x").append(String.format("%08d", i)).append("y".repeat(67)).append('\n');
        }
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void poplibListsReadsDeletesAndQuitMovesTheRestToCur() throws Exception {
        byte[] big = bigMessage();
        pop.message("new/1000.M1P1.host", "Subject: one\n\nhello\n", 400);
        pop.message("new/1001.M2P2.host", "Subject: dots\n\n.\n..two\n.x\nlast line without LF", 300);
        pop.message("new/1002.M3P3.host", big, 200);
        pop.message("cur/999.M0P0.host:2,S", "Subject: seen\n\nold\n", 500);
        pop.start();
        String out = pop.python("""
                import poplib, hashlib, os
                p = poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=120)
                print(p.getwelcome().decode())
                print(p.user('bob'), p.pass_('secret'))
                print(p.stat())
                print(p.list()[:2])
                print(p.uidl()[:2])
                print(p.retr(3)[:2])
                resp, lines, octets = p.retr(4)
                print(resp, len(lines), hashlib.sha256(b'\\n'.join(lines)).hexdigest())
                print(p.top(3, 1)[:2])
                print(p.dele(1), p.dele(4))
                try:
                    p.retr(4)
                except poplib.error_proto as e:
                    print(e)
                print(p.quit())
                """);
        String[] l = out.split("\n");
        long bigLines = new String(big, StandardCharsets.ISO_8859_1).chars().filter(c -> c == '\n').count() + 1;
        assertThat(l[0]).matches("\\+OK <\\d+\\.\\d+@pop\\.example>");
        // Oldest first: the message in cur/, then new/ by age. STAT counts, LIST sizes the files.
        assertThat(List.of(l).subList(1, l.length)).containsExactly(
                "b'+OK ' b'+OK '",
                "(4, " + (19 + 20 + 46 + big.length) + ")",
                "(b'+OK ', [b'1 19', b'2 20', b'3 46', b'4 " + big.length + "'])",
                "(b'+OK ', [b'1 999.M0P0.host', b'2 1000.M1P1.host', b'3 1001.M2P2.host', b'4 1002.M3P3.host'])",
                "(b'+OK ', [b'Subject: dots', b'', b'.', b'..two', b'.x', b'last line without LF', b''])",
                "b'+OK ' " + bigLines + " " + sha256(big),
                "(b'+OK ', [b'Subject: dots', b'', b'.', b''])",
                "b'+OK ' b'+OK '",
                "b'-ERR already deleted'",
                "b'+OK '");
        assertThat(pop.names("new")).isEmpty();
        assertThat(pop.names("cur")).containsExactly("1000.M1P1.host:2,", "1001.M2P2.host:2,");
        assertThat(pop.sessions()).containsExactly("qmail-pop3d Maildir");
        assertThat(pop.fd3()).hasSize(1);
        assertThat(pop.fd3().get(0)).isEqualTo("bob|secret|" + l[0].substring(4));
    }

    @Test
    void apopWithTheGreetingsTimestamp() throws Exception {
        pop.message("new/1000.M1P1.host", "Subject: one\n\nhello\n", 100);
        pop.start();
        String out = pop.python("""
                import poplib, os
                p = poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=120)
                print(p.getwelcome().decode())
                print(p.apop('bob', 'secret'))
                print(p.stat())
                print(p.quit())
                """);
        String[] l = out.split("\n");
        assertThat(List.of(l).subList(1, l.length)).containsExactly("b'+OK '", "(1, 20)", "b'+OK '");
        String ts = l[0].substring(4);
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                .digest((ts + PopService.SECRET).getBytes(StandardCharsets.ISO_8859_1)));
        assertThat(pop.fd3()).containsExactly("bob|" + digest + "|" + ts);
        assertThat(pop.names("cur")).containsExactly("1000.M1P1.host:2,");
    }

    @Test
    void aWrongPasswordIsRefusedAndNoMailboxIsOpened() throws Exception {
        pop.message("new/1000.M1P1.host", "Subject: one\n\nhello\n", 100);
        pop.start();
        String out = pop.python("""
                import poplib, os
                for user, password in (('bob', 'wrong'), ('eve', 'secret')):
                    p = poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=120)
                    print(p.user(user))
                    try:
                        p.pass_(password)
                    except poplib.error_proto as e:
                        print(e)
                    print(repr(p.file.read()))
                """);
        assertThat(out).isEqualTo("b'+OK '\nb'-ERR authorization failed'\nb''\nb'+OK '\nb'-ERR authorization failed'\nb''\n");
        assertThat(pop.sessions()).isEmpty();
        assertThat(pop.fd3()).hasSize(2);
        assertThat(pop.names("new")).containsExactly("1000.M1P1.host");
    }

    @Test
    void fetchmailFetchesAndDeletesEveryMessage() throws Exception {
        pop.message("new/1000.M1P1.host", "From: a@example.com\nSubject: one\n\nhello\n", 300);
        pop.message("new/1001.M2P2.host", "From: b@example.com\nSubject: two\n\n.dotted\nbye\n", 200);
        pop.start();
        Path mbox = dir.resolve("mbox");
        Path rc = dir.resolve("fetchmailrc");
        Files.writeString(rc, """
                set no syslog
                set no bouncemail
                poll 127.0.0.1 protocol pop3 service %d auth password timeout 60
                  user "bob" there with password "secret" is "%s" here
                  sslproto "" fetchall no keep
                  mda "/bin/sh -c 'cat >> %s'"
                """.formatted(pop.port, System.getProperty("user.name"), mbox));
        PopService.run("chmod", "600", rc.toString());
        Cmd.Result r = Cmd.run(List.of("/usr/bin/fetchmail", "-f", rc.toString(), "--nosyslog", "-v"),
                Map.of("HOME", dir.toString()), dir, new byte[0], 180);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out() + r.err()).contains("POP3< +OK 2 ", "POP3> QUIT");
        String got = Files.readString(mbox, StandardCharsets.ISO_8859_1);
        assertThat(got).contains("Subject: one\n\nhello\n", "Subject: two\n\n.dotted\nbye\n");
        assertThat(got.indexOf("Subject: one")).isLessThan(got.indexOf("Subject: two"));
        assertThat(pop.names("new")).isEmpty();
        assertThat(pop.names("cur")).isEmpty();
        assertThat(pop.sessions()).containsExactly("qmail-pop3d Maildir");
    }

    @Test
    void aPipelinedSessionStreamsAnEightMegabyteLineThroughASixteenMegabyteHeap() throws Exception {
        byte[] line = (".start" + "z".repeat(8 << 20)).getBytes(StandardCharsets.ISO_8859_1);
        pop.message("new/1000.M1P1.host", line, 100);
        pop.start();
        byte[] all;
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), pop.port)) {
            s.setSoTimeout(120_000);
            s.getOutputStream().write("USER bob\r\nPASS secret\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (InputStream in = s.getInputStream()) {
                in.transferTo(b);
            }
            all = b.toByteArray();
        }
        String head = new String(all, 0, 80, StandardCharsets.ISO_8859_1);
        assertThat(head).matches("(?s)\\+OK <\\d+\\.\\d+@pop\\.example>\r\n\\+OK \r\n\\+OK \r\n\\+OK \r\n\\.\\.startzzz.*");
        int start = head.indexOf("..start") + 1;
        String tail = "\r\n\r\n.\r\n+OK \r\n+OK \r\n";
        assertThat(new String(all, all.length - tail.length(), tail.length(), StandardCharsets.ISO_8859_1)).isEqualTo(tail);
        assertThat(all.length - tail.length() - start).isEqualTo(line.length);
        assertThat(sha256(java.util.Arrays.copyOfRange(all, start, all.length - tail.length()))).isEqualTo(sha256(line));
        assertThat(pop.names("new")).isEmpty();
    }

    @Test
    void qmailPopupWithoutASubprogramIsAUsageError() throws Exception {
        Cmd.Result r = Cmd.run(List.of(pop.bin.resolve("qmail-popup").toString(), "pop.example"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("-ERR usage: popup hostname subprogram\r\n");
    }
}
