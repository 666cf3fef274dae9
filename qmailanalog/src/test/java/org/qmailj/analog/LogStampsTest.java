package org.qmailj.analog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/** Each form qmail-send's log is kept in, detected line by line. */
class LogStampsTest {
    private final LogStamps stamps = new LogStamps(ZoneOffset.UTC, ZonedDateTime.of(2026, 12, 3, 14, 0, 0, 0, ZoneOffset.UTC));

    @Test
    void multilogTai64n() {
        // 0x4000000069300000 is TAI 1764753408 past the epoch label, UTC 10 s earlier.
        assertThat(stamps.parse("@40000000693000000bebc200 new msg 5"))
                .isEqualTo(new LogStamps.Stamped("1764753398.200000000", "new msg 5"));
        assertThat(SyntheticLog.tai64n(0.25)).isEqualTo("@40000000693000000ee6b280");
    }

    @Test
    void numericStampAsAccustampAndSploggerWrite() {
        assertThat(stamps.parse("1764766000.123456 end msg 5")).isEqualTo(new LogStamps.Stamped("1764766000.123456", "end msg 5"));
        assertThat(stamps.parse("1764766000 end msg 5")).isEqualTo(new LogStamps.Stamped("1764766000", "end msg 5"));
    }

    @Test
    void syslogWithSploggersStampInside() {
        assertThat(stamps.parse("Dec  3 13:03:22 mx qmail: 1764766000.123456 delivery 1: success: did_1+0+0/"))
                .isEqualTo(new LogStamps.Stamped("1764766000.123456", "delivery 1: success: did_1+0+0/"));
        assertThat(stamps.parse("2026-12-03T13:03:22.000+00:00 mx qmail[42]: 1764766001.5 end msg 5"))
                .isEqualTo(new LogStamps.Stamped("1764766001.5", "end msg 5"));
    }

    @Test
    void syslogWithoutAStampUsesTheSyslogDate() {
        // 2026-12-03 13:03:22 UTC; a December line read in January belongs to the year before.
        assertThat(stamps.parse("Dec  3 13:03:22 mx qmail: new msg 5")).isEqualTo(new LogStamps.Stamped("1796303002", "new msg 5"));
        LogStamps january = new LogStamps(ZoneOffset.UTC, ZonedDateTime.of(2027, 1, 2, 0, 0, 0, 0, ZoneOffset.UTC));
        assertThat(january.parse("Dec  3 13:03:22 mx qmail: new msg 5").stamp()).isEqualTo("1796303002");
        assertThat(stamps.parse("2026-12-03T13:03:22Z mx qmail: new msg 6")).isEqualTo(new LogStamps.Stamped("1796303002", "new msg 6"));
    }

    @Test
    void plainLinesTakeTheLastStampSeen() {
        assertThat(stamps.parse("new msg 5")).isEqualTo(new LogStamps.Stamped("0", "new msg 5"));
        stamps.parse("1764766000.5 new msg 6");
        assertThat(stamps.parse("end msg 6")).isEqualTo(new LogStamps.Stamped("1764766000.5", "end msg 6"));
    }

    @Test
    void mixedFormsInOneLogMatchUp() throws IOException {
        String log = "@4000000069300000" + "00000000 new msg 7\n"
                + "Dec  3 09:16:38 mx qmail: 1764753398.000000 info msg 7: bytes 9 from <s@x> qp 1 uid 2\n"
                + "1764753399 starting delivery 1: msg 7 to local u@x\n"
                + "delivery 1: success: ok\n"
                + "@4000000069300005" + "00000000 end msg 7\n";
        StringWriter out = new StringWriter();
        new Matchup(out).read(new java.io.ByteArrayInputStream(log.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)), stamps);
        assertThat(out.toString()).isEqualTo("d k 1764753398.000000 1764753399 1764753399 9 <s@x> local.u@x 1 2 ok\n"
                + "m 1764753398.000000 1764753403.000000000 9 1 0 0 <s@x> 1 2\n");
    }
}
