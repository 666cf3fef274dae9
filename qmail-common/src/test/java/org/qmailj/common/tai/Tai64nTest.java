package org.qmailj.common.tai;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class Tai64nTest {
    @Test
    void libtaiLabelsAndPacking() {
        // tai64nlocal(8)'s example stamp
        Tai64n t = Tai64n.parseHex("4000000037c219bf2ef02e94".getBytes(), 0, 24);
        assertThat(t.label()).isEqualTo(0x4000000037c219bfL);
        assertThat(t.nanos()).isEqualTo(0x2ef02e94);
        assertThat(t.unixSeconds()).isEqualTo(0x37c219bfL - 10);
        assertThat(t.hex()).isEqualTo("4000000037c219bf2ef02e94");
        byte[] b = new byte[14];
        t.pack(b, 1);
        assertThat(Tai64n.unpack(b, 1)).isEqualTo(t);
        assertThat(b[1]).isEqualTo((byte) 0x40);
        assertThat(b[12]).isEqualTo((byte) 0x94);
        // microseconds * 1000 + 500, as taia_now
        Tai64n now = Tai64n.of(Instant.ofEpochSecond(1000, 123_456_789));
        assertThat(now.label()).isEqualTo(0x400000000000000aL + 1000);
        assertThat(now.nanos()).isEqualTo(123_456_500);
        assertThat(Tai64n.parseHex("40000000zz".getBytes(), 0, 10)).isNull();
    }
}
