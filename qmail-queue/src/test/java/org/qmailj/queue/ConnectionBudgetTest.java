package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The per-uid and reserved connection budgets of the queue writer, and where they come from. */
class ConnectionBudgetTest {

    @Test
    void oneUidCannotTakeTheReserve() {
        ConnectionBudget b = new ConnectionBudget(new WriterSettings(10, 4, 3, Duration.ofSeconds(1), false), Set.of(0L, 71L));
        for (int i = 0; i < 3; i++) assertThat(b.acquire(1000)).isTrue();
        assertThat(b.acquire(1000)).as("over the per-uid cap").isFalse();
        assertThat(b.acquire(1001)).isTrue();
        assertThat(b.acquire(1001)).isTrue();
        assertThat(b.acquire(1002)).isTrue();
        assertThat(b.acquire(1002)).as("ordinary uids together hold connections - reserve").isFalse();
        for (int i = 0; i < 4; i++) assertThat(b.acquire(i % 2 == 0 ? 0 : 71)).as("the reserve").isTrue();
        assertThat(b.acquire(0)).as("nothing beyond the total").isFalse();
        b.release(1000);
        assertThat(b.acquire(0)).isTrue();
        assertThat(b.acquire(1003)).isFalse();
        b.release(1001);
        assertThat(b.acquire(1003)).isTrue();
        assertThat(b.held(1000)).isEqualTo(2);
    }

    @Test
    void defaultsFollowTheDescriptorLimitAndTheEnvironment() {
        WriterSettings d = WriterSettings.forOpenFiles(20_000);
        assertThat(d).isEqualTo(new WriterSettings(4096, 1024, 64, Duration.ofHours(1), false));
        WriterSettings small = WriterSettings.forOpenFiles(1024);
        assertThat(small.connections()).isEqualTo(320);
        assertThat(small.reserve()).isEqualTo(80);
        assertThat(small.perUid()).isEqualTo(30);
        assertThat(WriterSettings.forOpenFiles(50).connections()).isEqualTo(16);
        WriterSettings env = WriterSettings.from(Map.of("QMAILQUEUED_CONNECTIONS", "100", "QMAILQUEUED_PERUID", "5",
                "QMAILQUEUED_TIMEOUT", "30", "QMAILQUEUED_TEST_KILL_AFTER_COMMIT", "1"), 20_000);
        assertThat(env).isEqualTo(new WriterSettings(100, 25, 5, Duration.ofSeconds(30), true));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WriterSettings.from(Map.of("QMAILQUEUED_PERUID", "-1"), 1024))
                .hasMessageContaining("QMAILQUEUED_PERUID is not a positive number");
    }
}
