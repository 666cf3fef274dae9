package org.qmailj.splogger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.UnixDatagram;
import org.qmailj.testing.Cmd;

/** splogger against a syslog socket the test binds, and with no syslog at all. */
class SploggerTest {
    private static final String HEADER = "[A-Z][a-z]{2} [ 123]\\d \\d\\d:\\d\\d:\\d\\d ";

    @TempDir
    Path tmp;

    private Cmd.Result splogger(Path socket, byte[] in, String... args) throws Exception {
        return Cmd.run(Tools.java(List.of("-Dsplogger.socket=" + socket), "org.qmailj.splogger.Splogger",
                List.of(args)), Map.of(), null, in, 60);
    }

    private static List<String> drain(UnixDatagram s) throws Exception {
        List<String> out = new ArrayList<>();
        while (true) {
            Optional<byte[]> d = s.receive(4096, 500);
            if (d.isEmpty()) {
                return out;
            }
            out.add(new String(d.get(), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void linesBecomeSyslogDatagramsWithPriorityStampAndFolding() throws Exception {
        Path sock = tmp.resolve("log");
        try (UnixDatagram syslog = UnixDatagram.bind(sock)) {
            String longLine = "L".repeat(799) + "M".repeat(799) + "tail";
            String in = "hello world\n\nwarning: disk\nalert: fire\nbin\u0001\u00ff\t.\n" + longLine + "\nlast";
            Cmd.Result r = splogger(sock, in.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(r.exit()).isZero();
            assertThat(r.stdout()).isEmpty();
            List<String> got = drain(syslog);
            assertThat(got).hasSize(8);
            String stamp = "(\\d{10}\\.\\d{6})";
            assertThat(got.get(0)).matches("<22>" + HEADER + "splogger: " + stamp + " hello world");
            assertThat(got.get(1)).matches("<20>" + HEADER + "splogger: " + stamp + " warning: disk");
            assertThat(got.get(2)).matches("<17>" + HEADER + "splogger: " + stamp + " alert: fire");
            assertThat(got.get(3)).matches("<22>" + HEADER + "splogger: " + stamp + " bin\\?\\?\\?\\.");
            assertThat(got.get(4)).matches("<22>" + HEADER + "splogger: " + stamp + " L{799}");
            String first = got.get(4).replaceAll(".*splogger: (\\S+) .*", "$1");
            assertThat(got.get(5)).endsWith("splogger: " + first + "+" + "M".repeat(799));
            assertThat(got.get(6)).endsWith("splogger: " + first + "+tail");
            assertThat(got.get(7)).matches("<22>" + HEADER + "splogger: " + stamp + " last");
            long now = System.currentTimeMillis() / 1000;
            assertThat(Long.parseLong(first.substring(0, 10))).isBetween(now - 60, now);
        }
    }

    @Test
    void tagAndNumericFacility() throws Exception {
        Path sock = tmp.resolve("log");
        try (UnixDatagram syslog = UnixDatagram.bind(sock)) {
            Cmd.Result r = splogger(sock, "status: local2 ok\nwarning: w\n".getBytes(StandardCharsets.US_ASCII),
                    "qmail", "18");
            assertThat(r.exit()).isZero();
            List<String> got = drain(syslog);
            assertThat(got).hasSize(2);
            assertThat(got.get(0)).matches("<150>" + HEADER + "qmail: \\d+\\.\\d{6} status: local2 ok");
            assertThat(got.get(1)).matches("<148>" + HEADER + "qmail: \\d+\\.\\d{6} warning: w");
            Cmd.Result tagOnly = splogger(sock, "x\n".getBytes(StandardCharsets.US_ASCII), "smtpd");
            assertThat(tagOnly.exit()).isZero();
            assertThat(drain(syslog)).singleElement().asString().matches("<22>" + HEADER + "smtpd: \\d+\\.\\d{6} x");
        }
    }

    @Test
    void neverBlocksTheWriterWithoutSyslogOrWithAStuckOne() throws Exception {
        byte[] lots = "a log line that nobody will read\n".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
        // Nobody at the path.
        Cmd.Result none = splogger(tmp.resolve("absent"), lots);
        assertThat(none.exit()).isZero();
        assertThat(none.stderr()).isEmpty();
        // A socket that is bound but never read: its queue fills, splogger keeps reading.
        Path sock = tmp.resolve("stuck");
        try (UnixDatagram stuck = UnixDatagram.bind(sock)) {
            long t0 = System.nanoTime();
            Cmd.Result r = splogger(sock, lots);
            assertThat(r.exit()).isZero();
            assertThat((System.nanoTime() - t0) / 1_000_000_000L).isLessThan(30);
            assertThat(drain(stuck)).isNotEmpty();
        }
    }
}
