package org.qmailj.common.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import org.junit.jupiter.api.Test;

/** The writer's 'P' number, read by hand: the bytes DataInputStream.readLong reads, the same value. */
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

    @Test
    void aNumberCutShortIsEndOfInput() {
        assertThatThrownBy(() -> WriterProtocol.readNumber(new ByteArrayInputStream(new byte[] {0, 0, 0, 0, 0, 1, 2})))
                .isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> WriterProtocol.readAnswer(new ByteArrayInputStream(new byte[] {WriterProtocol.PREPARED})))
                .isInstanceOf(EOFException.class);
    }
}
