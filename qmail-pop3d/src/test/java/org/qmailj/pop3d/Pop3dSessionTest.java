package org.qmailj.pop3d;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** qmail-pop3d's conversation over a real maildir, byte for byte. */
class Pop3dSessionTest {
    static final long NOW = 1_800_000_000L;

    @TempDir
    Path dir;
    Path md;

    @BeforeEach
    void maildir() throws IOException {
        md = dir.resolve("Maildir");
        for (String d : List.of("new", "cur", "tmp")) Files.createDirectories(md.resolve(d));
    }

    /** A message file with its modification time {@code age} seconds before NOW. */
    Path message(String fn, String content, long age) throws IOException {
        Path p = md.resolve(fn);
        Files.write(p, content.getBytes(StandardCharsets.ISO_8859_1));
        Files.setLastModifiedTime(p, FileTime.fromMillis((NOW - age) * 1000));
        return p;
    }

    Conversation pop3d() throws IOException {
        return new Conversation(w -> Pop3dSession.serve(w, md, NOW));
    }

    List<String> names(String sub) throws IOException {
        try (Stream<Path> s = Files.list(md.resolve(sub))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void listsOldestFirstAndCountsDeletedMessagesInStatAsQmailDoes() throws Exception {
        message("new/300.a.host", "Subject: 3\n\nthree\n", 10);
        message("cur/100.a.host:2,S", "Subject: 1\n\none\n", 300);
        message("new/200.a.host", "Subject: 2\n\ntwo!\n", 200);
        message("new/.hidden", "x\n", 500);
        message("new/400.a.host", "this very second\n", 0);
        try (Conversation c = pop3d()) {
            assertThat(c.line()).isEqualTo("+OK \r\n");
            assertThat(c.send("STAT\r\n").line()).isEqualTo("+OK 3 51\r\n");
            assertThat(c.send("LIST\r\n").until(".\r\n")).isEqualTo("+OK \r\n1 16\r\n2 17\r\n3 18\r\n.\r\n");
            assertThat(c.send("UIDL\r\n").until(".\r\n"))
                    .isEqualTo("+OK \r\n1 100.a.host\r\n2 200.a.host\r\n3 300.a.host\r\n.\r\n");
            assertThat(c.send("LIST 2\r\nUIDL 1\r\n").until("host\r\n")).isEqualTo("+OK 2 17\r\n+OK 1 100.a.host\r\n");
            assertThat(c.send("DELE 2\r\n").line()).isEqualTo("+OK \r\n");
            assertThat(c.send("STAT\r\n").line()).isEqualTo("+OK 3 34\r\n");
            assertThat(c.send("LIST\r\n").until(".\r\n")).isEqualTo("+OK \r\n1 16\r\n3 18\r\n.\r\n");
            assertThat(c.send("LAST\r\n").line()).isEqualTo("+OK 2\r\n");
            assertThat(c.send("DELE 1\r\nLAST\r\n").until("+OK 2\r\n")).isEqualTo("+OK \r\n+OK 2\r\n");
            assertThat(c.send("RSET\r\nLAST\r\nSTAT\r\n").until("51\r\n")).isEqualTo("+OK \r\n+OK 0\r\n+OK 3 51\r\n");
            assertThat(c.send("DELE 3\r\nQUIT\r\n").rest()).isEqualTo("+OK \r\n+OK \r\n");
            assertThat(c.exitCode()).isZero();
        }
        // UPDATE: 3 deleted, 2 moved from new/ to cur/ with ":2,", the one of this second untouched.
        assertThat(names("new")).containsExactly(".hidden", "400.a.host");
        assertThat(names("cur")).containsExactly("100.a.host:2,S", "200.a.host:2,");
    }

    @Test
    void retrSendsCrlfLinesStuffsDotsAndAppendsABlankLine() throws Exception {
        message("new/1.a.h", "Subject: dots\n\n.\n..two\n.x\nend", 10);
        message("new/2.a.h", "crlf\r\n\r\nbody\r\n", 9);
        message("new/3.a.h", "", 8);
        try (Conversation c = pop3d()) {
            c.line();
            assertThat(c.send("RETR 1\r\n").until("\r\n.\r\n"))
                    .isEqualTo("+OK \r\nSubject: dots\r\n\r\n..\r\n...two\r\n..x\r\nend\r\n\r\n.\r\n");
            assertThat(c.send("retr 2\r\n").until("\r\n.\r\n")).isEqualTo("+OK \r\ncrlf\r\r\n\r\r\nbody\r\r\n\r\n.\r\n");
            assertThat(c.send("RETR 3\r\n").until("\r\n.\r\n")).isEqualTo("+OK \r\n\r\n.\r\n");
            c.send("QUIT\r\n").rest();
        }
        // Read, not deleted: moved to cur/.
        assertThat(names("cur")).containsExactly("1.a.h:2,", "2.a.h:2,", "3.a.h:2,");
    }

    @Test
    void topSendsTheHeaderAndThatManyBodyLines() throws Exception {
        message("new/1.a.h", "A: 1\nB: 2\n\nb1\n.b2\nb3\n", 10);
        try (Conversation c = pop3d()) {
            c.line();
            assertThat(c.send("TOP 1 0\r\n").until("\r\n.\r\n")).isEqualTo("+OK \r\nA: 1\r\nB: 2\r\n\r\n\r\n.\r\n");
            assertThat(c.send("TOP 1    2\r\n").until("\r\n.\r\n")).isEqualTo("+OK \r\nA: 1\r\nB: 2\r\n\r\nb1\r\n..b2\r\n\r\n.\r\n");
            assertThat(c.send("TOP 1 99\r\n").until("\r\n.\r\n")).isEqualTo("+OK \r\nA: 1\r\nB: 2\r\n\r\nb1\r\n..b2\r\nb3\r\n\r\n.\r\n");
            // RETR is TOP in qmail: a second number limits it too; no number is the whole message.
            assertThat(c.send("RETR 1 1\r\n").until("\r\n.\r\n")).isEqualTo("+OK \r\nA: 1\r\nB: 2\r\n\r\nb1\r\n\r\n.\r\n");
            assertThat(c.send("TOP 1 x\r\n").until("\r\n.\r\n")).isEqualTo("+OK \r\nA: 1\r\nB: 2\r\n\r\nb1\r\n..b2\r\nb3\r\n\r\n.\r\n");
            c.send("QUIT\r\n").rest();
        }
    }

    @Test
    void messageNumbersAreCheckedAsQmailDoes() throws Exception {
        message("new/1.a.h", "x\n", 10);
        message("new/2.a.h", "y\n", 5);
        try (Conversation c = pop3d()) {
            c.line();
            c.send("RETR\r\nRETR x\r\nDELE 0\r\nLIST 3\r\nTOP 99999999999999999999999 1\r\nDELE 1\r\nRETR 1\r\nUIDL 1\r\nDELE 1\r\n"
                    + "CAPA\r\nAPOP a b\r\nRETR 02\r\n");
            assertThat(c.until("y\r\n\r\n.\r\n")).isEqualTo("-ERR syntax error\r\n-ERR syntax error\r\n"
                    + "-ERR messages are counted from 1\r\n-ERR not that many messages\r\n-ERR not that many messages\r\n"
                    + "+OK \r\n-ERR already deleted\r\n-ERR already deleted\r\n-ERR already deleted\r\n"
                    + "-ERR unimplemented\r\n-ERR unimplemented\r\n+OK \r\ny\r\n\r\n.\r\n");
            assertThat(c.send("NOOP\r\n").line()).isEqualTo("+OK \r\n");
            c.client.shutdownOutput();
            assertThat(c.rest()).isEmpty();
            assertThat(c.exitCode()).isZero();
        }
        // No QUIT, no UPDATE: the deleted message stays, nothing moves.
        assertThat(names("new")).containsExactly("1.a.h", "2.a.h");
        assertThat(names("cur")).isEmpty();
    }

    @Test
    void commandsCutOneByteAtATimeWorkTheSame() throws Exception {
        message("new/1.a.h", "Subject: s\n\n.body\n", 10);
        try (Conversation c = pop3d()) {
            c.line();
            c.trickle("stat\r\nUiDl\nRETR 1\r\nDELE 1\r\nquit\r\n");
            assertThat(c.rest()).isEqualTo("+OK 1 18\r\n+OK \r\n1 1.a.h\r\n.\r\n+OK \r\nSubject: s\r\n\r\n..body\r\n\r\n.\r\n+OK \r\n+OK \r\n");
        }
        assertThat(names("new")).isEmpty();
        assertThat(names("cur")).isEmpty();
    }

    @Test
    void aMessageGoneSinceTheScanCannotBeOpened() throws Exception {
        Path p = message("new/1.a.h", "x\n", 10);
        try (Conversation c = pop3d()) {
            c.line();
            Files.delete(p);
            assertThat(c.send("RETR 1\r\n").line()).isEqualTo("-ERR unable to open that message\r\n");
            // Deleting what is gone: the unlink fails at QUIT.
            assertThat(c.send("DELE 1\r\nQUIT\r\n").rest()).isEqualTo("+OK \r\n-ERR unable to unlink all deleted messages\r\n");
        }
    }

    @Test
    void tmpFilesUntouchedFor36HoursAreRemovedAtTheStart() throws Exception {
        Path old = md.resolve("tmp/old");
        Path fresh = md.resolve("tmp/fresh");
        Files.writeString(old, "x");
        Files.writeString(fresh, "x");
        Files.setAttribute(old, "lastAccessTime", FileTime.fromMillis((NOW - 129601) * 1000));
        Files.setAttribute(fresh, "lastAccessTime", FileTime.fromMillis((NOW - 129600) * 1000));
        try (Conversation c = pop3d()) {
            assertThat(c.line()).isEqualTo("+OK \r\n");
            assertThat(c.send("STAT\r\nQUIT\r\n").rest()).isEqualTo("+OK 0 0\r\n+OK \r\n");
        }
        assertThat(names("tmp")).containsExactly("fresh");
    }

    @Test
    void noMaildirAndAnUnreadableOneAreQmailsErrors() throws Exception {
        try (Conversation c = new Conversation(w -> Pop3dSession.serve(w, dir.resolve("nothing"), NOW))) {
            assertThat(c.rest()).isEqualTo("-ERR this user has no $HOME/Maildir\r\n");
            assertThat(c.exitCode()).isZero();
        }
        Files.delete(md.resolve("cur"));
        try (Conversation c = pop3d()) {
            assertThat(c.rest()).isEqualTo("-ERR unable to scan $HOME/Maildir\r\n");
        }
    }

    @Test
    void anOverlongLineEndsTheSessionWithoutUpdate() throws Exception {
        message("new/1.a.h", "x\n", 10);
        try (Conversation c = pop3d()) {
            c.line();
            c.send("DELE 1\r\nNOOP " + "x".repeat(CommandReader.MAX_LINE) + "\r\nQUIT\r\n");
            assertThat(c.rest()).isEqualTo("+OK \r\n-ERR line too long\r\n");
        }
        assertThat(names("new")).containsExactly("1.a.h");
    }

    @Test
    void anIdleClientIsDroppedAfterTheTimeoutWithoutUpdate() throws Exception {
        message("new/1.a.h", "x\n", 10);
        try (Conversation c = new Conversation(w -> Pop3dSession.serve(w, md, NOW, 1))) {
            c.line();
            assertThat(c.send("DELE 1\r\n").line()).isEqualTo("+OK \r\n");
            assertThat(c.rest()).isEmpty();
            assertThat(c.exitCode()).isZero();
        }
        assertThat(names("new")).containsExactly("1.a.h");
    }
}
