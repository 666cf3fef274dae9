package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/** tcpclient: the program gets the connection on fds 6 and 7 and the tcp-environ variables. */
class TcpclientTest {
    @TempDir
    Path dir;

    private static Cmd.Result tcpclient(String... args) throws Exception {
        List<String> c = new ArrayList<>(ServerProcess.java("org.qmailj.tcpserver.Tcpclient", null));
        c.addAll(List.of(args));
        return Cmd.run(c, Map.of("PATH", System.getenv("PATH")), null, new byte[0], 60);
    }

    @Test
    void talksOnFds6And7() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> server = CompletableFuture.supplyAsync(() -> {
                try (Socket s = ss.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write("greeting\n".getBytes());
                    out.flush();
                    InputStream in = s.getInputStream();
                    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1) + "|" + s.getPort();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Cmd.Result r = tcpclient("-RH", "-l", "me.example", "127.0.0.1", String.valueOf(ss.getLocalPort()), "sh", "-c",
                    "read line <&6; echo \"got $line\" >&7; echo \"$PROTO $TCPREMOTEIP $TCPREMOTEPORT $TCPLOCALIP $TCPLOCALHOST ${TCPREMOTEHOST-none}\"; echo \"$TCPLOCALPORT\"");
            assertThat(r.exit()).as(r.toString()).isZero();
            String[] out = r.out().split("\n");
            assertThat(out[0]).isEqualTo("TCP 127.0.0.1 " + ss.getLocalPort() + " 127.0.0.1 me.example none");
            String[] got = server.get().split("\\|");
            assertThat(got[0]).isEqualTo("got greeting\n");
            assertThat(got[1]).isEqualTo(out[1]);
        }
    }

    @Test
    void refusedAndUsage() throws Exception {
        try (org.qmailj.testing.RefusedPort refused = new org.qmailj.testing.RefusedPort()) {
            int port = refused.port();
            Cmd.Result r = tcpclient("-RH", "127.0.0.1", String.valueOf(port), "true");
            assertThat(r.exit()).isEqualTo(111);
            assertThat(r.err()).isEqualTo("tcpclient: unable to connect to 127.0.0.1 port " + port + ": connection refused\n");
        }
        Cmd.Result u = tcpclient("127.0.0.1");
        assertThat(u.exit()).isEqualTo(100);
        assertThat(u.err()).startsWith("tcpclient: usage: tcpclient ");
    }
}
