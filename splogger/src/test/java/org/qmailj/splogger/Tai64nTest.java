package org.qmailj.splogger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qmailj.common.tai.Tai64n;
import org.qmailj.testing.Cmd;

/** tai64n and tai64nlocal against Debian's on the same input. */
class Tai64nTest {
    private static final String STAMP = "@[0-9a-f]{24} ";

    @Test
    void tai64nStampsEachLineLikeDebian() throws Exception {
        byte[] in = "first\n\n\tbinary \u00ff\u0001 line\nno newline at end".getBytes(StandardCharsets.ISO_8859_1);
        Cmd.Result o = Cmd.run(Tools.java("org.qmailj.splogger.Tai64n", List.of()), Map.of(), null, in, 60);
        Cmd.Result d = Cmd.run(List.of("/usr/bin/tai64n"), Map.of(), null, in, 60);
        assertThat(o.exit()).isZero();
        assertThat(o.out().replaceAll(STAMP, "@ ")).isEqualTo(d.out().replaceAll(STAMP, "@ "))
                .isEqualTo("@ first\n@ \n@ \tbinary \u00ff\u0001 line\n@ no newline at end");
        long now = Tai64n.now().label();
        for (String l : o.out().split("\n")) {
            long label = Long.parseUnsignedLong(l.substring(1, 17), 16);
            assertThat(label).isBetween(now - 60, now);
            // libtai's nanoseconds: microseconds * 1000 + 500
            assertThat(Long.parseLong(l.substring(17, 25), 16) % 1000).isEqualTo(500);
        }
        Cmd.Result empty = Cmd.run(Tools.java("org.qmailj.splogger.Tai64n", List.of()), Map.of(), null, new byte[0], 60);
        assertThat(empty.exit()).isZero();
        assertThat(empty.stdout()).isEmpty();
    }

    @Test
    void tai64nlocalMatchesDebianInSeveralZones() throws Exception {
        String in = "@4000000037c219bf2ef02e94 mark\nplain line\n@4000000037c219bf2ef02e94\n"
                + "@4000000037c219bf2ef02e94x glued\n\n@400000006b0c01e22a3398b4 now-ish\n"
                + "@400000000000000a00000000 epoch\n@4000000037c219bf2ef02e94 no newline";
        byte[] bytes = in.getBytes(StandardCharsets.US_ASCII);
        for (String tz : List.of("UTC", "US/Pacific", "Asia/Kolkata", "Europe/Berlin")) {
            Cmd.Result o = Cmd.run(Tools.java("org.qmailj.splogger.Tai64nLocal", List.of()), Map.of("TZ", tz), null, bytes, 60);
            Cmd.Result d = Cmd.run(List.of("/usr/bin/tai64nlocal"), Map.of("TZ", tz), null, bytes, 60);
            assertThat(o.exit()).isZero();
            assertThat(o.out()).as(tz).isEqualTo(d.out());
        }
        Cmd.Result utc = Cmd.run(Tools.java("org.qmailj.splogger.Tai64nLocal", List.of()), Map.of("TZ", "UTC"), null, bytes, 60);
        assertThat(utc.out()).startsWith("1999-08-24 04:04:05.787492500 mark\nplain line\n")
                .contains("1970-01-01 00:00:00.000000000 epoch\n");
    }
}
