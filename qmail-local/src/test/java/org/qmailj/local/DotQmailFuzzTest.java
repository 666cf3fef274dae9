package org.qmailj.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.qmailj.common.QmailHome;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.SysException;

/**
 * qmail-local's reading of a .qmail file, on arbitrary contents, as {@code qmail-local -n}
 * shows it: each line is a comment, a maildir, an mbox, a program or a forward exactly as
 * dot-qmail(5) says (a line ending at its first NUL, as qmail's C strings do), a blank first
 * line is the temporary failure qmail gives, and nothing else
 * happens: no exception (which would show as "Temporary failure in qmail-local"), no other
 * output.
 */
class DotQmailFuzzTest {
    private static Path home;
    private static MessageFile message;

    @BeforeAll
    static void makeHome() throws IOException, SysException {
        home = Files.createTempDirectory("dotqmailfuzz");
        Path m = Files.writeString(home.resolve("message"), "Subject: x\n\nbody\n", StandardCharsets.ISO_8859_1);
        message = MessageFile.of(Fd.open(m, Fd.O_RDONLY, 0));
        Files.delete(m);
    }

    @AfterAll
    static void removeHome() throws IOException {
        message.close();
        Files.deleteIfExists(home.resolve(".qmail"));
        Files.delete(home);
    }

    @FuzzTest(maxDuration = "5m")
    void dotQmail(byte[] contents) throws IOException {
        Files.write(home.resolve(".qmail"), contents);
        LocalRequest req = new LocalRequest("u", home.toString(), "u", "", "", "test.example",
                "s@example.org", "./Maildir/\n", false);
        Report.Buffer report = new Report.Buffer();
        int code = new Delivery(req, message,
                Map.of(), new QmailHome(home), report).run();
        String got = new String(report.bytes(), StandardCharsets.ISO_8859_1);

        StringBuilder want = new StringBuilder();
        int wantCode = expected(contents, want);
        assertThat(got).isEqualTo(want.toString());
        assertThat(code).isEqualTo(wantCode);
    }

    /** dot-qmail(5), line by line; returns qmail-local's exit code. */
    private static int expected(byte[] contents, StringBuilder out) {
        String text = new String(contents, StandardCharsets.ISO_8859_1);
        if (text.isEmpty()) text = "./Maildir/\n";
        String[] lines = text.split("\n", -1);
        int last = text.endsWith("\n") ? lines.length - 1 : lines.length;
        for (int n = 0; n < last; n++) {
            String line = lines[n].replaceAll("[ \t]+\\z", ""); // \z: $ would stop before a last CR
            if (line.indexOf('\0') >= 0) line = line.substring(0, line.indexOf('\0'));
            if (line.isEmpty()) {
                if (n == 0) {
                    out.setLength(0);
                    out.append("Uh-oh: first line of .qmail file is blank. (#4.2.1)\n");
                    return LocalExit.SOFT.code();
                }
                continue;
            }
            switch (line.charAt(0)) {
                case '#' -> { }
                case '.', '/' -> out.append(line.endsWith("/") ? "maildir " : "mbox ").append(line).append('\n');
                case '|' -> out.append("program ").append(line, 1, line.length()).append('\n');
                case '&' -> out.append("forward ").append(line, 1, line.length()).append('\n');
                default -> out.append("forward ").append(line).append('\n');
            }
        }
        return LocalExit.OK.code();
    }
}
