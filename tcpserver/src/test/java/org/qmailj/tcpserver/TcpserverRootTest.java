package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qmailj.testing.RootOnly;

/** Privilege drop after bind: -g/-u and -U ($GID/$UID, as envuidgid sets them). */
@RootOnly
class TcpserverRootTest {
    private static String idsOfChild(Map<String, String> env, String... opts) throws Exception {
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", null);
        c.addAll(List.of(opts));
        c.addAll(List.of("-1", "-RH", "-l0", "127.0.0.1", "0", "sh", "-c", "id -u; id -g; id -G"));
        try (ServerProcess srv = new ServerProcess(c, env); Socket s = srv.connect()) {
            String out = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            // The server itself runs as the new ids too: every thread of the JVM changed.
            String status = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + srv.process.pid() + "/status"));
            // Real, effective, saved and filesystem ids, and no supplementary group but the gid.
            assertThat(status).containsPattern("(?m)^Uid:\\s+65534\\s+65534\\s+65534\\s+65534$");
            assertThat(status).containsPattern("(?m)^Gid:\\s+65534\\s+65534\\s+65534\\s+65534$");
            assertThat(status).containsPattern("(?m)^Groups:\\s+65534\\s*$");
            return out;
        }
    }

    @Test
    void dropsToUidAndGidAfterBind() throws Exception {
        assertThat(idsOfChild(Map.of(), "-u", "65534", "-g", "65534")).isEqualTo("65534\n65534\n65534\n");
        assertThat(idsOfChild(Map.of("UID", "65534", "GID", "65534"), "-U")).isEqualTo("65534\n65534\n65534\n");
    }
}
