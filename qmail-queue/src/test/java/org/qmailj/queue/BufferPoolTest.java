package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BufferPoolTest {
    @Test
    void aGivenBufferIsTakenAgainAndNewOnesAreMadeWhenNoneIsKept() {
        BufferPool pool = new BufferPool(16, 2);
        byte[] a = pool.take();
        byte[] b = pool.take();
        assertThat(a).hasSize(16).isNotSameAs(b);
        assertThat(pool.kept()).isZero();
        pool.give(a);
        assertThat(pool.kept()).isEqualTo(1);
        assertThat(pool.take()).isSameAs(a);
        assertThat(pool.kept()).isZero();
    }

    @Test
    void keepsAtMostItsCapacityAndNoBufferOfAnotherSize() {
        BufferPool pool = new BufferPool(16, 2);
        List<byte[]> taken = new ArrayList<>();
        for (int i = 0; i < 5; i++) taken.add(pool.take());
        taken.forEach(pool::give);
        assertThat(pool.kept()).isEqualTo(2);
        pool.take();
        pool.give(new byte[17]);
        assertThat(pool.kept()).isEqualTo(1);
        assertThat(pool.take()).hasSize(16);
        assertThat(pool.take()).hasSize(16);
        assertThat(pool.kept()).isZero();
    }
}
