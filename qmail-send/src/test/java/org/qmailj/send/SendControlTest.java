package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.control.ControlDir;
import org.qmailj.common.control.ControlException;

class SendControlTest {
    @TempDir
    Path dir;

    SendControl load() throws ControlException {
        return SendControl.load(new ControlDir(dir));
    }

    @Test
    void concurrencyAboveTheLimitIsClampedAsQmailDoes() throws Exception {
        Files.writeString(dir.resolve("me"), "example.org\n");
        Files.writeString(dir.resolve("concurrencyremote"), "100000\n");
        Files.writeString(dir.resolve("concurrencylocal"), "65001\n");
        SendControl c = load();
        assertThat(c.concurrency(Channel.REMOTE)).isEqualTo(SendControl.MAX_CONCURRENCY);
        assertThat(c.concurrency(Channel.LOCAL)).isEqualTo(SendControl.MAX_CONCURRENCY);
    }

    @Test
    void defaultsAndNegativeValues() throws Exception {
        Files.writeString(dir.resolve("me"), "example.org\n");
        SendControl c = load();
        assertThat(c.concurrency(Channel.LOCAL)).isEqualTo(10);
        assertThat(c.concurrency(Channel.REMOTE)).isEqualTo(20);
        Files.writeString(dir.resolve("concurrencylocal"), "-1\n");
        assertThatThrownBy(this::load).isInstanceOf(ControlException.class).hasMessageContaining("concurrencylocal");
    }
}
