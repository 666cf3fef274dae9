package org.qmailj.common.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import org.junit.jupiter.api.Test;

/** The writer's 'P' and 'S' numbers, read by hand: the bytes DataInputStream.readLong reads, the same value. */
class WriterProtocolNumberTest {
    @Test
    void readNumberReadsWhatWriteNumberWrote() throws Exception {
        for (long n : new long[] {0, 1, 255, 256, 457, 0x0102030405060708L, 0x80L << 56, -1, Long.MAX_VALUE, Long.MIN_VALUE}) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            WriterProtocol.writeNumber(b, WriterProtocol.PREPARED, n);
            byte[] bytes = b.toByteArray();
            assertThat(bytes).hasSize(9);
            assertThat(bytes[0]).isEqualTo(WriterProtocol.PREPARED);
            assertThat(WriterProtocol.readAnswer(new ByteArrayInputStream(bytes))).isEqualTo(new WriterProtocol.Prepared(n));
            long viaData = new DataInputStream(new ByteArrayInputStream(bytes, 1, 8)).readLong();
            assertThat(WriterProtocol.readNumber(new ByteArrayInputStream(bytes, 1, 8))).isEqualTo(viaData).isEqualTo(n);
        }
    }

    /** 'S' N stamp: seventeen bytes, both numbers big-endian; a negative stamp is refused. */
    @Test
    void aStampedAnswerCarriesNumberAndStamp() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        WriterProtocol.writeStamped(b, WriterProtocol.PREPARED_STAMPED, 0x0102030405060708L, 1_796_000_000_123_456_789L);
        byte[] bytes = b.toByteArray();
        assertThat(bytes).hasSize(17);
        assertThat(bytes[0]).isEqualTo((byte) 'S');
        assertThat(new DataInputStream(new ByteArrayInputStream(bytes, 9, 8)).readLong()).isEqualTo(1_796_000_000_123_456_789L);
        assertThat(WriterProtocol.readAnswer(new ByteArrayInputStream(bytes)))
                .isEqualTo(new WriterProtocol.Prepared(0x0102030405060708L, 1_796_000_000_123_456_789L));
        b.reset();
        WriterProtocol.writeStamped(b, WriterProtocol.PREPARED_STAMPED, 7, -5);
        assertThatThrownBy(() -> WriterProtocol.readAnswer(new ByteArrayInputStream(b.toByteArray())))
                .hasMessage("bad stamp from the queue writer");
        assertThat(new WriterProtocol.Prepared(7).stamp()).isEqualTo(WriterProtocol.NO_STAMP);
    }

    /**
     * Every header a client writes says it takes stamps; a header without 's' does not. 'k'
     * (keep the connection) only when asked.
     */
    @Test
    void theHeaderAnnouncesStamps() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        WriterProtocol.writeHeader(b, 42, "qmaild");
        ByteArrayInputStream in = new ByteArrayInputStream(b.toByteArray());
        assertThat(in.read()).isEqualTo(WriterProtocol.INJECT);
        assertThat(WriterProtocol.readHeader(in)).isEqualTo(new WriterProtocol.Header(42, "qmaild", 0, true, false));
        b.reset();
        WriterProtocol.writeHeader(b, 42, null, 7, true);
        assertThat(b.toString(java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("Qp42\0q7\0s1\0k1\0\0");
        in = new ByteArrayInputStream(b.toByteArray());
        assertThat(in.read()).isEqualTo(WriterProtocol.INJECT);
        assertThat(WriterProtocol.readHeader(in)).isEqualTo(new WriterProtocol.Header(42, null, 7, true, true));
        byte[] old = "p42\0rqmaild\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(WriterProtocol.readHeader(new ByteArrayInputStream(old))).isEqualTo(new WriterProtocol.Header(42, "qmaild", 0, false, false));
    }

    @Test
    void aNumberCutShortIsEndOfInput() {
        assertThatThrownBy(() -> WriterProtocol.readNumber(new ByteArrayInputStream(new byte[] {0, 0, 0, 0, 0, 1, 2})))
                .isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> WriterProtocol.readAnswer(new ByteArrayInputStream(new byte[] {WriterProtocol.PREPARED})))
                .isInstanceOf(EOFException.class);
    }
}
