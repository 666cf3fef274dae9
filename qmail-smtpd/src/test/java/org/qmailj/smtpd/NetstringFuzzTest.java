package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * {@link Netstring}'s reader on arbitrary bytes: {@code LEN:bytes,} read with length, copy
 * and comma gives exactly the bytes a plain parser finds, and anything else is an IOException,
 * never another exception or a read past the netstring.
 */
class NetstringFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void netstring(byte[] b) {
        int[] at = {0};
        byte[] want = QmtpdSessionFuzzTest.Parsed.netstring(b, at);
        LineInput in = new LineInput(new ByteArrayInputStream(b), () -> { });
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try {
            long len = Netstring.length(in);
            assertThat(len).isBetween(0L, Netstring.MAX_LENGTH);
            Netstring.copy(in, len, got);
            Netstring.comma(in);
        } catch (IOException refused) {
            assertThat(want).as("refused a well-formed netstring: " + refused).isNull();
            return;
        }
        assertThat(want).as("accepted a malformed netstring").isNotNull();
        assertThat(got.toByteArray()).isEqualTo(want);
        assertThat(in.pos).isEqualTo(at[0]);
        if (b[0] == '0' && b[1] != ':') return; // leading zeros: encode writes the plain length
        assertThat(Netstring.encode(new String(want, java.nio.charset.StandardCharsets.ISO_8859_1)))
                .isEqualTo(Arrays.copyOfRange(b, 0, at[0]));
    }
}
