package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The DATA filters alone, with whole and one-byte-at-a-time input. */
class DataDecoderTest {
    private static InputStream oneByteAtATime(byte[] b) {
        return new ByteArrayInputStream(b) {
            @Override
            public synchronized int read(byte[] buf, int off, int len) {
                return super.read(buf, off, Math.min(len, 1));
            }
        };
    }

    private static String[] decode(String wire, boolean slow) throws IOException {
        byte[] b = wire.getBytes(StandardCharsets.ISO_8859_1);
        LineInput in = new LineInput(slow ? oneByteAtATime(b) : new ByteArrayInputStream(b), () -> { });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataDecoder d = new DataDecoder(in);
        byte[] buf = new byte[slow ? 1 : 4096];
        int n;
        while ((n = d.read(buf, 0, buf.length)) >= 0) out.write(buf, 0, n);
        StringBuilder rest = new StringBuilder();
        try {
            while (true) rest.append((char) in.get());
        } catch (EOFException e) {
            // all read
        }
        return new String[] {out.toString(StandardCharsets.ISO_8859_1), rest.toString()};
    }

    @Test
    void decodesAsBlast() throws Exception {
        for (boolean slow : new boolean[] {false, true}) {
            assertThat(decode(".\r\nNEXT", slow)).containsExactly("", "NEXT");
            assertThat(decode("a\r\n.\r\n", slow)).containsExactly("a\n", "");
            assertThat(decode("..a\r\n.b\r\n.\r\n", slow)).containsExactly(".a\nb\n", "");
            assertThat(decode("x\ry\r\r\nz\r\n.\r\n", slow)).containsExactly("x\ry\r\nz\n", "");
            assertThat(decode(".\rq\r\n.\r\r\n.\r\n", slow)).containsExactly(".\rq\n.\r\n", "");
            assertThat(decode("a\r\n..\r\n.\r\nQUIT\r\n", slow)).containsExactly("a\n.\n", "QUIT\r\n");
        }
    }

    @Test
    void bareLinefeedAnywhereIsRefused() {
        for (String s : new String[] {"\n", "a\nb", ".\n", "a\r\n.\n"}) {
            assertThatThrownBy(() -> decode(s + "\r\n.\r\n", false)).isInstanceOf(DataDecoder.StrayNewlineException.class);
        }
        assertThatThrownBy(() -> decode("a\r\nno end", false)).isInstanceOf(EOFException.class);
    }

    @Test
    void hopCounterAndDatabytes() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        DatabytesLimit limit = new DatabytesLimit(sink, 20);
        HopCounter hops = new HopCounter(limit);
        hops.write("Received: a\nDELIVERED-TO: b\nReceivex: c\n\nReceived: d\n".getBytes());
        assertThat(hops.hops()).isEqualTo(2);
        assertThat(limit.exceeded()).isTrue();
        assertThat(sink.size()).isEqualTo(20);
        DatabytesLimit exact = new DatabytesLimit(OutputStreamNull.INSTANCE, 5);
        exact.write("12345".getBytes());
        assertThat(exact.exceeded()).isFalse();
        exact.write('6');
        assertThat(exact.exceeded()).isTrue();
    }

    private static final class OutputStreamNull {
        static final java.io.OutputStream INSTANCE = java.io.OutputStream.nullOutputStream();
    }
}
