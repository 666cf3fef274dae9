package org.qmailj.common.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ArgsTest {
    @Test
    void longOptionsFlagsAndPositionals() throws Exception {
        Args a = new Args("t").flag("--sandbox").option("HOST", "--me").positionals("DIR", 0, 1)
                .parse(new String[] {"--me=x.example", "/q", "--sandbox"});
        assertThat(a.has("--sandbox")).isTrue();
        assertThat(a.value("--me")).contains("x.example");
        assertThat(a.positionals()).containsExactly("/q");
        Args b = new Args("t").flag("--sandbox").option("HOST", "--me").positionals("DIR", 0, 1).parse(new String[0]);
        assertThat(b.has("--sandbox")).isFalse();
        assertThat(b.value("--me")).isEmpty();
        assertThat(b.positionals()).isEmpty();
    }

    @Test
    void usageErrors() {
        assertThatThrownBy(() -> new Args("t").flag("--a").parse(new String[] {"--b"}))
                .isInstanceOf(Args.UsageException.class).hasMessageContaining("Unknown option: '--b'");
        assertThatThrownBy(() -> new Args("t").positionals("DIR", 0, 1).parse(new String[] {"x", "y"}))
                .isInstanceOf(Args.UsageException.class);
    }
}
