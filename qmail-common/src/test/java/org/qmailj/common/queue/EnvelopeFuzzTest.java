package org.qmailj.common.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The queue's envelope codecs on arbitrary bytes: qmail-queue's input envelope, the todo/intd
 * record, the local/remote recipient files and the queue writer's socket protocol. Each either
 * refuses the bytes with an IOException or decodes them to something that encodes back to the
 * very bytes it read; no other exception, and the envelope reader never reads past its end.
 */
class EnvelopeFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void envelope(byte[] b) {
        ByteArrayInputStream in = new ByteArrayInputStream(b);
        Envelope e;
        try {
            e = Envelope.read(in);
        } catch (EnvelopeFormatException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        } catch (IOException other) {
            throw new AssertionError("only EnvelopeFormatException is expected", other);
        }
        int used = b.length - in.available();
        assertThat(e.encode()).isEqualTo(Arrays.copyOf(b, used));
        assertThat(e.sender().length()).isLessThanOrEqualTo(Envelope.MAX_ADDRESS);
        for (String r : e.recipients()) {
            assertThat(r.length()).isLessThanOrEqualTo(Envelope.MAX_ADDRESS);
            assertThat(r).doesNotContain("\0");
        }
    }

    @FuzzTest(maxDuration = "5m")
    void todoRecord(byte[] b) throws IOException {
        TodoRecord t;
        try {
            t = TodoRecord.decode(b);
        } catch (IOException refused) {
            return;
        }
        assertThat(TodoRecord.decode(t.encode())).isEqualTo(t);
        assertThat(t.sender()).doesNotContain("\0");
    }

    @FuzzTest(maxDuration = "5m")
    void recipientFile(byte[] b) throws IOException {
        List<RecipientFile.Entry> entries;
        try {
            entries = RecipientFile.decode(b);
        } catch (IOException refused) {
            return;
        }
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        for (RecipientFile.Entry e : entries) {
            assertThat(e.offset()).isEqualTo(again.size());
            assertThat(b[(int) e.offset()]).isEqualTo((byte) (e.done() ? 'D' : 'T'));
            Envelope.record(again, e.done() ? 'D' : 'T', e.address());
        }
        assertThat(again.toByteArray()).isEqualTo(b);
    }

    /** The writer's side of its socket: header, chunked message, then the client's answer. */
    @FuzzTest(maxDuration = "5m")
    void writerProtocol(byte[] b) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(b);
        try {
            WriterProtocol.Header h = WriterProtocol.readHeader(in);
            if (h.role() != null) assertThat(h.role().length()).isLessThanOrEqualTo(64);
            WriterProtocol.ChunkInputStream chunks = new WriterProtocol.ChunkInputStream(in);
            byte[] buf = new byte[7];
            long total = 0;
            int n;
            while ((n = chunks.read(buf, 0, buf.length)) >= 0) {
                assertThat(n).isBetween(1, buf.length);
                total += n;
            }
            assertThat(total).isLessThanOrEqualTo(b.length);
            assertThat(chunks.read()).isEqualTo(-1);
            WriterProtocol.Answer a = WriterProtocol.readAnswer(in);
            if (a instanceof WriterProtocol.Final f) assertThat(f.exit()).isBetween(0, 255);
        } catch (IOException refused) {
            // a truncated or malformed stream: refused, as it must be
        }
    }
}
