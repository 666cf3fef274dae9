package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerOptionsTest {
    @Test
    void getoptStyleOptions() throws Exception {
        ServerOptions o = ServerOptions.parse(List.of("-vRHl0", "-c5", "-x", "r.cdb", "-XDp", "-B", "hi", "-U", "-b", "9",
                "0", "smtp", "qmail-smtpd", "-x"), Map.of("UID", "7", "GID", "8"));
        assertThat(o.verbosity()).isEqualTo(2);
        assertThat(o.lookupRemoteInfo()).isFalse();
        assertThat(o.lookupRemoteHost()).isFalse();
        assertThat(o.localName()).contains("0");
        assertThat(o.limit()).isEqualTo(5);
        assertThat(o.rules()).contains("r.cdb");
        assertThat(o.allowNoRules()).isTrue();
        assertThat(o.noDelay()).isTrue();
        assertThat(o.paranoid()).isTrue();
        assertThat(o.banner()).contains("hi");
        assertThat(o.uid()).contains(7);
        assertThat(o.gid()).contains(8);
        assertThat(o.backlog()).isEqualTo(9);
        assertThat(o.host()).isEqualTo("0");
        assertThat(o.port()).isEqualTo("smtp");
        assertThat(o.program()).containsExactly("qmail-smtpd", "-x");
        ServerOptions d = ServerOptions.parse(List.of("127.0.0.1", "25", "cat"), Map.of());
        assertThat(d.limit()).isEqualTo(40);
        assertThat(d.verbosity()).isEqualTo(1);
        assertThat(d.lookupRemoteHost()).isTrue();
        assertThat(d.lookupRemoteInfo()).isTrue();
        assertThat(d.identTimeout()).isEqualTo(26);
        assertThatThrownBy(() -> ServerOptions.parse(List.of("-c", "0", "h", "p", "x"), Map.of()))
                .isInstanceOf(ServerOptions.UsageException.class);
        assertThatThrownBy(() -> ServerOptions.parse(List.of("-Z", "h", "p", "x"), Map.of()))
                .isInstanceOf(ServerOptions.UsageException.class);
        assertThatThrownBy(() -> ServerOptions.parse(List.of("h", "p"), Map.of()))
                .isInstanceOf(ServerOptions.UsageException.class);
    }

    @Test
    void portsAndHosts() throws Exception {
        assertThat(Names.resolvePort("smtp")).isEqualTo(25);
        assertThat(Names.resolvePort("628")).isEqualTo(628);
        assertThat(Names.resolveHost("0")).containsExactly(0, 0, 0, 0);
        assertThat(Names.resolveHost("127.0.0.1")).containsExactly(127, 0, 0, 1);
        assertThat(Names.findProgram("sh", "/nonexistent:/bin")).isEqualTo("/bin/sh");
    }
}
