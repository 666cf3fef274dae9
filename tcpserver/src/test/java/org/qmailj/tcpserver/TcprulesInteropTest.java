package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/** tcprules and tcprulescheck against Debian's ucspi-tcp, both directions, byte for byte. */
class TcprulesInteropTest {
    @TempDir
    Path dir;

    static final String RULES = """
            # comment
            joe@127.0.0.1:allow,WHO="joe"
            bob@=host.example:deny
            127.0.0.1:allow,RELAYCLIENT="",TCPLOCALHOST="movie.edu"
            18.23.0.32:deny
            1.2.3.4:allow\t \t
             9.9.9.9:allow
            =Host.Example:allow,X=/a "quoted" b/
            =.example:allow,DOMAIN="yes"
            10.2-3.:allow,RANGE="two"
            1.2.3.250-260:deny
            1.2.3.9-2:deny
            192.168.:allow,A="1",B='2',C=xx,D=""
            :deny,X="after deny"
            no colon here

            =:allow,NAMED="1"
            127.0.0.1:allow,SECOND="ignored"
            :allow,DEFAULT="last\"""";

    private Cmd.Result ours(String main, List<String> args, String stdin, Map<String, String> env) throws Exception {
        List<String> c = ServerProcess.java(main, null);
        c.addAll(args);
        return Cmd.run(c, env, null, stdin.getBytes(StandardCharsets.ISO_8859_1), 60);
    }

    @Test
    void sameCdbBytesAsDebianTcprules() throws Exception {
        Path theirs = dir.resolve("theirs.cdb");
        Path mine = dir.resolve("mine.cdb");
        Cmd.Result t = Cmd.run(List.of("/usr/bin/tcprules", theirs.toString(), dir.resolve("t.tmp").toString()),
                Map.of(), null, RULES.getBytes(StandardCharsets.ISO_8859_1), 30);
        Cmd.Result m = ours("org.qmailj.tcpserver.Tcprules", List.of(mine.toString(), dir.resolve("m.tmp").toString()), RULES, Map.of());
        assertThat(t.exit()).as(t.toString()).isZero();
        assertThat(m.exit()).as(m.toString()).isZero();
        assertThat(Files.readAllBytes(mine)).isEqualTo(Files.readAllBytes(theirs));
        assertThat(dir.resolve("m.tmp")).doesNotExist();
    }

    @Test
    void sameErrorsAsDebianTcprules() throws Exception {
        String[] bad = {"1.2.3.4:allow\r", ":denyx", ":allow,A=", "x:allow,=v", "a-b.c:deny", "1.2.3.4:allow,A=\"b\"junk",
                "1.2.3.4:permit", "x:allow,A"};
        Path cdb = dir.resolve("r.cdb");
        Files.writeString(cdb, "old");
        for (String line : bad) {
            Cmd.Result t = Cmd.run(List.of("/usr/bin/tcprules", cdb.toString(), dir.resolve("t.tmp").toString()),
                    Map.of(), null, (line + "\n").getBytes(StandardCharsets.ISO_8859_1), 30);
            Cmd.Result m = ours("org.qmailj.tcpserver.Tcprules", List.of(cdb.toString(), dir.resolve("m.tmp").toString()),
                    line + "\n", Map.of());
            assertThat(m.exit()).as(line).isEqualTo(t.exit()).isEqualTo(100);
            assertThat(m.err()).as(line).isEqualTo(t.err());
            assertThat(Files.readString(cdb)).isEqualTo("old");
        }
        Cmd.Result usage = ours("org.qmailj.tcpserver.Tcprules", List.of("only-one"), "", Map.of());
        assertThat(usage.exit()).isEqualTo(100);
        assertThat(usage.err()).isEqualTo("tcprules: usage: tcprules rules.cdb rules.tmp\n");
    }

    @Test
    void tcprulescheckAgreesBothWays() throws Exception {
        Path theirs = dir.resolve("theirs.cdb");
        Cmd.Result t = Cmd.run(List.of("/usr/bin/tcprules", theirs.toString(), dir.resolve("t.tmp").toString()),
                Map.of(), null, RULES.getBytes(StandardCharsets.ISO_8859_1), 30);
        assertThat(t.exit()).isZero();
        Path mine = dir.resolve("mine.cdb");
        assertThat(ours("org.qmailj.tcpserver.Tcprules", List.of(mine.toString(), dir.resolve("m.tmp").toString()), RULES,
                Map.of()).exit()).isZero();
        String[][] cases = {
            {"127.0.0.1", null, null}, {"127.0.0.1", null, "joe"}, {"127.0.0.1", null, "bill"},
            {"18.23.0.32", null, null}, {"10.3.7.7", null, null}, {"10.4.7.7", null, null},
            {"1.2.3.251", null, null}, {"1.2.3.5", null, null}, {"5.5.5.5", "Host.Example", null},
            {"5.5.5.5", "a.b.example", null}, {"5.5.5.5", "host.example", "bob"}, {"5.5.5.5", "other.org", null},
            {"192.168.1.1", null, null}, {"8.8.8.8", null, null}, {null, null, null}, {"9.9.9.9", null, null},
        };
        Path empty = dir.resolve("empty.cdb");
        assertThat(Cmd.run(List.of("/usr/bin/tcprules", empty.toString(), dir.resolve("e.tmp").toString()),
                Map.of(), null, new byte[0], 30).exit()).isZero();
        for (String[] k : cases) {
            Map<String, String> env = new HashMap<>();
            if (k[0] != null) env.put("TCPREMOTEIP", k[0]);
            if (k[1] != null) env.put("TCPREMOTEHOST", k[1]);
            if (k[2] != null) env.put("TCPREMOTEINFO", k[2]);
            for (Path cdb : List.of(theirs, mine, empty)) {
                Cmd.Result debian = Cmd.run(List.of("/usr/bin/tcprulescheck", cdb.toString()), env, null, new byte[0], 30);
                StringBuilder out = new StringBuilder();
                int code = Tcprulescheck.run(new String[] {cdb.toString()}, env, out);
                assertThat(out.toString()).as(env + " " + cdb.getFileName()).isEqualTo(debian.out());
                assertThat(code).isEqualTo(debian.exit());
            }
        }
        StringBuilder out = new StringBuilder();
        assertThat(Tcprulescheck.run(new String[] {dir.resolve("none.cdb").toString()}, Map.of(), out)).isEqualTo(111);
    }

    @Test
    void lookupOrderOfTheManPage() {
        assertThat(Rules.keys("1.2.3.4", "a.b.example", "joe")).containsExactly("joe@1.2.3.4", "joe@=a.b.example",
                "1.2.3.4", "=a.b.example", "1.2.3.", "1.2.", "1.", "=.b.example", "=.example", "=", "");
        assertThat(Rules.keys("1.2.3.4", null, null)).containsExactly("1.2.3.4", "1.2.3.", "1.2.", "1.", "");
        List<String> none = new ArrayList<>();
        assertThat(none).isEmpty();
    }
}
