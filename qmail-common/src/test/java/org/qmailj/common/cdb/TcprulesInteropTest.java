package org.qmailj.common.cdb;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte compatibility with Debian's ucspi-tcp: tcprules writes, we read; we write, tcprulescheck
 * reads; and both writers give identical files for the same records in the same order.
 */
class TcprulesInteropTest {
    static final String RULES = """
            127.0.0.1:allow,RELAYCLIENT="",X="a b"
            10.:deny
            =host.example:allow
            :allow
            """;

    static Path tcprules;
    static Path tcprulescheck;

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        tcprules = Tools.require("tcprules", "ucspi-tcp");
        tcprulescheck = Tools.require("tcprulescheck", "ucspi-tcp");
    }

    /** A rule as tcprules stores it: deny is "D\0", then one "+VAR=value\0" per variable. */
    record Rule(String address, boolean deny, Map<String, String> env) {
        String line() {
            var sb = new StringBuilder(address).append(':').append(deny ? "deny" : "allow");
            env.forEach((k, v) -> sb.append(',').append(k).append("=\"").append(v).append('"'));
            return sb.append('\n').toString();
        }

        byte[] data() {
            var sb = new StringBuilder(deny ? "D\0" : "");
            env.forEach((k, v) -> sb.append('+').append(k).append('=').append(v).append('\0'));
            return sb.toString().getBytes(ISO_8859_1);
        }
    }

    @Test
    void readsWhatTcprulesStores() throws Exception {
        Path cdb = tcprules(RULES);

        Cdb rules = Cdb.open(cdb);
        assertThat(rules.size()).isEqualTo(4);
        assertThat(rules.find("127.0.0.1")).hasValueSatisfying(
                d -> assertThat(d).isEqualTo("+RELAYCLIENT=\0+X=a b\0".getBytes(ISO_8859_1)));
        assertThat(rules.find("10.")).hasValueSatisfying(d -> assertThat(d).isEqualTo(new byte[] {'D', 0}));
        assertThat(rules.find("=host.example")).hasValueSatisfying(d -> assertThat(d).isEmpty());
        assertThat(rules.find("")).hasValueSatisfying(d -> assertThat(d).isEmpty());
        assertThat(rules.find("10.1.2.3")).isEmpty();
        assertThat(rules.find("127.0.0.")).isEmpty();
    }

    @Test
    void tcprulesStoresDenyWithVariablesAndDuplicatesInOrder() throws Exception {
        Path cdb = tcprules("""
                1.2.3.4:deny,X="y"
                1.2.3.4:allow,X="a,b",Y=/c"d/
                1.2.3.5-6:allow
                """);

        Cdb rules = Cdb.open(cdb);
        assertThat(rules.findAll("1.2.3.4")).containsExactly(
                "D\0+X=y\0".getBytes(ISO_8859_1), "+X=a,b\0+Y=c\"d\0".getBytes(ISO_8859_1));
        assertThat(rules.find("1.2.3.5")).hasValueSatisfying(d -> assertThat(d).isEmpty());
        assertThat(rules.find("1.2.3.6")).hasValueSatisfying(d -> assertThat(d).isEmpty());
    }

    @Test
    void ourFileIsByteIdenticalAndTcprulescheckAgrees() throws Exception {
        Path theirs = tcprules(RULES);
        Path ours = dir.resolve("ours.cdb");
        try (var w = CdbWriter.create(ours)) {
            w.add("127.0.0.1", "+RELAYCLIENT=\0+X=a b\0");
            w.add("10.", "D\0");
            w.add("=host.example", "");
            w.add("", "");
            w.finish();
        }

        assertThat(Files.mismatch(ours, theirs)).isEqualTo(-1L);
        assertThat(check(ours, Map.of("TCPREMOTEIP", "127.0.0.1"))).isEqualTo("""
                rule 127.0.0.1:
                set environment variable RELAYCLIENT=
                set environment variable X=a b
                allow connection
                """);
        assertThat(check(ours, Map.of("TCPREMOTEIP", "10.9.8.7"))).isEqualTo("rule 10.:\ndeny connection\n");
        assertThat(check(ours, Map.of("TCPREMOTEIP", "1.2.3.4", "TCPREMOTEHOST", "host.example")))
                .isEqualTo("rule =host.example:\nallow connection\n");
        assertThat(check(ours, Map.of("TCPREMOTEIP", "1.2.3.4"))).isEqualTo("rule :\nallow connection\n");
        for (var env : List.of(Map.of("TCPREMOTEIP", "127.0.0.1"), Map.of("TCPREMOTEIP", "10.0.0.1"),
                Map.of("TCPREMOTEIP", "192.0.2.1", "TCPREMOTEHOST", "host.example"))) {
            assertThat(check(ours, env)).isEqualTo(check(theirs, env));
        }
    }

    @Test
    void manyRulesGiveIdenticalFilesBothWays() throws Exception {
        List<Rule> rules = randomRules(new Random(20261129), 1500);
        var text = new StringBuilder();
        rules.forEach(r -> text.append(r.line()));
        Path theirs = tcprules(text.toString());
        Path ours = dir.resolve("ours.cdb");
        try (var w = CdbWriter.create(ours, dir.resolve("ours.tmp"))) {
            for (Rule r : rules) {
                w.add(r.address().getBytes(ISO_8859_1), r.data());
            }
            w.finish();
        }

        assertThat(Files.mismatch(ours, theirs)).isEqualTo(-1L);
        Cdb read = Cdb.open(theirs);
        assertThat(read.size()).isEqualTo(rules.size());
        Map<String, List<byte[]>> expected = new LinkedHashMap<>();
        rules.forEach(r -> expected.computeIfAbsent(r.address(), k -> new ArrayList<>()).add(r.data()));
        expected.forEach((address, data) -> assertThat(read.findAll(address)).containsExactlyElementsOf(data));
        for (Rule r : rules.subList(0, 20)) {
            if (r.address().matches("[0-9.]+")) {
                var env = Map.of("TCPREMOTEIP", r.address().endsWith(".") ? r.address() + "1" : r.address());
                assertThat(check(ours, env)).isEqualTo(check(theirs, env));
            }
        }
    }

    /** Addresses of IP prefixes and names, some repeated, with deny/allow and variables. */
    static List<Rule> randomRules(Random random, int n) {
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String address = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
                case 1 -> random.nextInt(256) + "." + random.nextInt(256) + ".";
                case 2 -> "=h" + random.nextInt(500) + ".example";
                default -> "u" + random.nextInt(50) + "@10.0.0." + random.nextInt(20);
            };
            Map<String, String> env = new LinkedHashMap<>();
            for (int v = random.nextInt(3); v > 0; v--) {
                env.put("V" + random.nextInt(10), "x y" + random.nextInt(1000));
            }
            rules.add(new Rule(address, random.nextInt(3) == 0, env));
        }
        return rules;
    }

    private Path tcprules(String text) throws Exception {
        var result = Tools.run(List.of(tcprules.toString(), "rules.cdb", "rules.tmp"), dir, Map.of(),
                text.getBytes(ISO_8859_1));
        assertThat(result.exit()).as("tcprules: %s", result.stderr()).isZero();
        assertThat(dir.resolve("rules.tmp")).doesNotExist();
        return dir.resolve("rules.cdb");
    }

    private String check(Path cdb, Map<String, String> env) throws Exception {
        var result = Tools.run(List.of(tcprulescheck.toString(), cdb.toString()), dir, env, new byte[0]);
        assertThat(result.exit()).as("tcprulescheck: %s", result.stderr()).isZero();
        return result.stdout();
    }
}
