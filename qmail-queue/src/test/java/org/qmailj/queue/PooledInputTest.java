package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class PooledInputTest {
    /** Hands out at most 5 bytes a read, and counts the reads. */
    private static final class Trickle extends ByteArrayInputStream {
        int reads;

        Trickle(byte[] b) {
            super(b);
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            reads++;
            return super.read(b, off, Math.min(len, 5));
        }
    }

    private static byte[] data(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 7 + 3);
        return b;
    }

    @Test
    void singleBytesAndArraysMixedReadTheStreamInOrder() throws IOException {
        byte[] d = data(1000);
        PooledInput in = new PooledInput(new Trickle(d), new BufferPool(16, 1));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] chunk = new byte[7];
        for (int i = 0; ; i++) {
            if (i % 2 == 0) {
                int c = in.read();
                if (c < 0) break;
                got.write(c);
            } else {
                int r = in.read(chunk, 1, 6);
                if (r < 0) break;
                assertThat(r).isBetween(1, 6);
                got.write(chunk, 1, r);
            }
        }
        assertThat(got.toByteArray()).isEqualTo(d);
        assertThat(in.read()).isEqualTo(-1);
        assertThat(in.read(chunk, 0, 3)).isEqualTo(-1);
    }

    @Test
    void aReadAsLongAsTheBufferGoesStraightToTheStream() throws IOException {
        byte[] d = data(64);
        Trickle t = new Trickle(d);
        PooledInput in = new PooledInput(t, new BufferPool(16, 1));
        assertThat(in.read()).isEqualTo(d[0] & 0xff); // buffers bytes 1-4
        byte[] b = new byte[32];
        assertThat(in.read(b, 0, 32)).isEqualTo(4); // what was buffered first
        int before = t.reads;
        assertThat(in.read(b, 0, 32)).isEqualTo(5);
        assertThat(t.reads).isEqualTo(before + 1);
        assertThat(b[0]).isEqualTo(d[5]);
    }

    @Test
    void releaseGivesTheBufferBackOnceAndLaterReadsFail() throws IOException {
        BufferPool pool = new BufferPool(16, 4);
        PooledInput in = new PooledInput(InputStream.nullInputStream(), pool);
        assertThat(pool.kept()).isZero();
        in.release();
        in.release();
        assertThat(pool.kept()).isEqualTo(1);
        assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessage("input released");
        PooledInput next = new PooledInput(new ByteArrayInputStream(new byte[] {42}), pool);
        assertThat(pool.kept()).isZero(); // it took the one given back
        assertThat(next.read()).isEqualTo(42);
        assertThat(next.read()).isEqualTo(-1);
    }
}
