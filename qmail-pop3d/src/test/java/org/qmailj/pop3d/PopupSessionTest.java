package org.qmailj.pop3d;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.qmailj.common.sys.Spawn;
import org.qmailj.smtpd.Wire;

/** qmail-popup's conversation, byte for byte, with a subprogram that records what it got. */
class PopupSessionTest {
    static final String GREETING = "+OK <4711.1700000000@pop.example>\r\n";

    /** A subprogram that records descriptor 3 and ends as told. */
    static final class Recorder implements PopupSession.Subprogram {
        final List<String> fd3 = new ArrayList<>();
        final int status;
        final PopupSession.SubprogramException failure;
        final Wire wire;
        String afterPass;

        Recorder(int status) {
            this(status, null, null);
        }

        Recorder(int status, PopupSession.SubprogramException failure, Wire wire) {
            this.status = status;
            this.failure = failure;
            this.wire = wire;
        }

        @Override
        public Spawn.WaitStatus run(byte[] data) throws PopupSession.SubprogramException {
            fd3.add(new String(data, StandardCharsets.ISO_8859_1));
            if (failure != null) throw failure;
            if (wire != null) {
                try {
                    afterPass = new CommandReader(wire.in(), 128).next().verb();
                    wire.out().write("+OK from the subprogram\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    wire.out().flush();
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
            return new Spawn.WaitStatus(99, status);
        }
    }

    static Conversation popup(Recorder r) throws IOException {
        return new Conversation(w -> PopupSession.serve(w, "pop.example", 4711, 1700000000, r));
    }

    @Test
    void userAndPassHandTheNamePasswordAndTimestampOverOnDescriptor3() throws Exception {
        Recorder r = new Recorder(0);
        try (Conversation c = popup(r)) {
            assertThat(c.line()).isEqualTo(GREETING);
            assertThat(c.send("USER bob\r\n").line()).isEqualTo("+OK \r\n");
            assertThat(c.send("PASS se cret \r\n").rest()).isEmpty();
            assertThat(c.exitCode()).isEqualTo(1);
        }
        assertThat(r.fd3).containsExactly("bob\0se cret \0<4711.1700000000@pop.example>\0");
    }

    @Test
    void apopSplitsAtTheFirstSpace() throws Exception {
        Recorder r = new Recorder(0);
        try (Conversation c = popup(r)) {
            c.line();
            assertThat(c.send("apop bob  c4c9334bac560ecc979e58001b3e22fb\r\n").rest()).isEmpty();
        }
        assertThat(r.fd3).containsExactly("bob\0 c4c9334bac560ecc979e58001b3e22fb\0<4711.1700000000@pop.example>\0");
    }

    @Test
    void authorizationStateErrorsAsQmailPopup() throws Exception {
        Recorder r = new Recorder(0);
        try (Conversation c = popup(r)) {
            c.line();
            c.send("PASS x\r\nUSER\r\nUSER    \r\nAPOP bob\r\nSTAT\r\nLIST 1\r\nnoop\r\nNoOp extra\r\nUSER a\r\nPASS\r\nPASS   \r\nQUIT\r\nNOOP\r\n");
            assertThat(c.rest()).isEqualTo(
                    "-ERR USER first\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n"
                    + "-ERR authorization first\r\n-ERR authorization first\r\n+OK \r\n+OK \r\n+OK \r\n"
                    + "-ERR syntax error\r\n-ERR syntax error\r\n+OK \r\n");
            assertThat(c.exitCode()).isEqualTo(1);
        }
        assertThat(r.fd3).isEmpty();
    }

    @Test
    void aFailedSubprogramIsAuthorizationFailedAndTheConnectionEnds() throws Exception {
        Recorder r = new Recorder(1 << 8);
        try (Conversation c = popup(r)) {
            c.line();
            assertThat(c.send("USER bob\r\nPASS wrong\r\nUSER bob\r\n").rest()).isEqualTo("+OK \r\n-ERR authorization failed\r\n");
            assertThat(c.exitCode()).isEqualTo(1);
        }
    }

    @Test
    void aSubprogramKilledByASignalIsAChildCrash() throws Exception {
        Recorder r = new Recorder(9);
        try (Conversation c = popup(r)) {
            c.line();
            assertThat(c.send("USER bob\r\nPASS x\r\n").rest()).isEqualTo("+OK \r\n-ERR aack, child crashed\r\n");
        }
    }

    @Test
    void aSubprogramThatCannotStartSaysWhy() throws Exception {
        Recorder r = new Recorder(0, new PopupSession.SubprogramException(Reply.FORK, null), null);
        try (Conversation c = popup(r)) {
            c.line();
            assertThat(c.send("USER bob\r\nPASS x\r\n").rest()).isEqualTo("+OK \r\n-ERR unable to fork\r\n");
        }
    }

    @Test
    void whatTheClientSendsAfterPassIsLeftForTheSubprogram() throws Exception {
        for (boolean oneByteAtATime : new boolean[] {false, true}) {
            Recorder[] r = new Recorder[1];
            try (Conversation c = new Conversation(w -> PopupSession.serve(w, "pop.example", 4711, 1700000000,
                    r[0] = new Recorder(0, null, w)))) {
                c.line();
                String all = "USER bob\r\nPASS secret\r\nSTAT\r\n";
                if (oneByteAtATime) c.trickle(all);
                else c.send(all);
                assertThat(c.rest()).isEqualTo("+OK \r\n+OK from the subprogram\r\n");
            }
            assertThat(r[0].afterPass).isEqualTo("STAT");
            assertThat(r[0].fd3).containsExactly("bob\0secret\0<4711.1700000000@pop.example>\0");
        }
    }

    @Test
    void linesAreCutAtNulAndOneCrAndBareLfEndsALine() throws Exception {
        Recorder r = new Recorder(0);
        try (Conversation c = popup(r)) {
            c.line();
            c.send("USER bob\0junk\nPASS a\rb\r\r\n");
            assertThat(c.rest()).isEqualTo("+OK \r\n");
        }
        assertThat(r.fd3).containsExactly("bob\0a\rb\r\0<4711.1700000000@pop.example>\0");
    }

    @Test
    void anOverlongLineEndsTheSession() throws Exception {
        Recorder r = new Recorder(0);
        try (Conversation c = popup(r)) {
            c.line();
            c.send("USER " + "x".repeat(CommandReader.MAX_LINE) + "\r\n");
            assertThat(c.rest()).isEqualTo("-ERR line too long\r\n");
            assertThat(c.exitCode()).isEqualTo(1);
        }
        assertThat(r.fd3).isEmpty();
    }

    @Test
    void theLongestLineIsTaken() throws Exception {
        Recorder r = new Recorder(0);
        String name = "x".repeat(CommandReader.MAX_LINE - 6);
        try (Conversation c = popup(r)) {
            c.line();
            assertThat(c.send("USER " + name + "\r\n").line()).isEqualTo("+OK \r\n");
            c.send("PASS p\n").rest();
        }
        assertThat(r.fd3).containsExactly(name + "\0p\0<4711.1700000000@pop.example>\0");
    }

    @Test
    void endOfInputEndsTheSessionQuietly() throws Exception {
        Recorder r = new Recorder(0);
        try (Conversation c = popup(r)) {
            c.line();
            c.send("USER bob\r\nPASS half");
            c.client.shutdownOutput();
            assertThat(c.rest()).isEqualTo("+OK \r\n");
            assertThat(c.exitCode()).isEqualTo(1);
        }
        assertThat(r.fd3).isEmpty();
    }

    @Test
    void anIdleClientIsDroppedAfterTheTimeout() throws Exception {
        Recorder r = new Recorder(0);
        try (Conversation c = new Conversation(w -> PopupSession.serve(w, "pop.example", 4711, 1700000000, r, 1))) {
            assertThat(c.line()).isEqualTo(GREETING);
            assertThat(c.send("USER bob\r\n").line()).isEqualTo("+OK \r\n");
            assertThat(c.rest()).isEmpty();
            assertThat(c.exitCode()).isEqualTo(1);
        }
        assertThat(r.fd3).isEmpty();
    }
}
