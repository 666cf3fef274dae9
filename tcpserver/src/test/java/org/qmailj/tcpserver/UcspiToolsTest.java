package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.qmailj.testing.Cmd;

/** recordio against Debian's, tcp-env on a real socket, tcpclient -v/-q against Debian's. */
class UcspiToolsTest {
    private static Cmd.Result ours(String main, byte[] in, String... args) throws Exception {
        List<String> c = new ArrayList<>(ServerProcess.java(main, null));
        c.addAll(List.of(args));
        return Cmd.run(c, Map.of(), null, in, 60);
    }

    private static Cmd.Result debian(String program, byte[] in, String... args) throws Exception {
        List<String> c = new ArrayList<>(List.of(program));
        c.addAll(List.of(args));
        return Cmd.run(c, Map.of(), null, in, 60);
    }

    /** Input and output as recordio's lines give them back; every line checked against the format. */
    private static String[] replay(String err) {
        StringBuilder in = new StringBuilder();
        StringBuilder out = new StringBuilder();
        String pid = null;
        for (String l : err.split("\n")) {
            assertThat(l).matches("(?s)\\d+ [<>] .*([+ ]|\\[EOF\\])");
            String p = l.substring(0, l.indexOf(' '));
            if (pid == null) pid = p;
            assertThat(p).isEqualTo(pid);
            StringBuilder b = l.charAt(p.length() + 1) == '<' ? in : out;
            String data = l.substring(p.length() + 3);
            if (data.equals("[EOF]")) b.append("[EOF]");
            else if (data.endsWith("+")) b.append(data, 0, data.length() - 1);
            else b.append(data, 0, data.length() - 1).append('\n');
        }
        return new String[] {in.toString(), out.toString()};
    }

    @Test
    void recordioRecordsAsDebiansDoes() throws Exception {
        byte[] in = "a\nb\r\n".repeat(100).concat("tail").getBytes(StandardCharsets.ISO_8859_1);
        String[] prog = {"sh", "-c", "cat; printf 'x\\ny'; exit 4"};
        Cmd.Result d = debian("/usr/bin/recordio", in, prog);
        Cmd.Result o = ours("org.qmailj.tcpserver.Recordio", in, prog);
        assertThat(o.exit()).isEqualTo(d.exit()).isEqualTo(4);
        assertThat(o.out()).isEqualTo(d.out());
        String expectedIn = new String(in, StandardCharsets.ISO_8859_1) + "[EOF]";
        assertThat(replay(d.err())).containsExactly(expectedIn, d.out() + "[EOF]");
        assertThat(replay(o.err())).containsExactly(expectedIn, d.out() + "[EOF]");
        // packets of at most 256 bytes: "tail" ends a packet without a newline
        assertThat(o.err()).containsPattern("\\d+ < tail\\+\n");

        Cmd.Result du = debian("/usr/bin/recordio", new byte[0]);
        Cmd.Result ou = ours("org.qmailj.tcpserver.Recordio", new byte[0]);
        assertThat(ou.exit()).isEqualTo(du.exit()).isEqualTo(100);
        assertThat(ou.err()).isEqualTo(du.err());
        Cmd.Result om = ours("org.qmailj.tcpserver.Recordio", new byte[0], "/nonexistent");
        assertThat(om.exit()).isEqualTo(111);
        assertThat(om.err()).contains("recordio: fatal: unable to run /nonexistent: file does not exist\n");
    }

    @Test
    void tcpEnvSetsTheVariablesFromTheSocketUnlessProtoIsTcp() throws Exception {
        String show = "echo \"$PROTO|$TCPLOCALIP|$TCPLOCALPORT|$TCPREMOTEIP|$TCPREMOTEPORT|${TCPREMOTEINFO-unset}\"";
        List<String> tcpEnv = ServerProcess.java("org.qmailj.tcpserver.TcpEnv", null);
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", null);
        c.addAll(List.of("-1", "-RH", "-l0", "127.0.0.1", "0", "sh", "-c",
                "if [ \"$TCPLOCALPORT\" ]; then env -u PROTO -u TCPLOCALPORT -u TCPREMOTEPORT \"$@\"; fi", "sh"));
        c.addAll(tcpEnv);
        c.addAll(List.of("-R", "sh", "-c", show));
        try (ServerProcess srv = new ServerProcess(c, Map.of()); Socket s = srv.connect()) {
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("TCP|127.0.0.1|" + srv.port + "|127.0.0.1|" + s.getLocalPort() + "|unset\n");
        }
        List<String> kept = new ArrayList<>(List.of("env", "PROTO=TCP", "TCPLOCALPORT=99"));
        kept.addAll(tcpEnv);
        kept.addAll(List.of("sh", "-c", "echo $TCPLOCALPORT"));
        Cmd.Result k = Cmd.run(kept, Map.of(), null, new byte[0], 60);
        assertThat(k.out()).isEqualTo("99\n");
        // descriptor 0 is a pipe, not a socket: exit 111, as qmail's tcp-env
        List<String> pipe = new ArrayList<>(List.of("env", "-u", "PROTO"));
        pipe.addAll(tcpEnv);
        pipe.addAll(List.of("sh", "-c", "echo ran"));
        Cmd.Result p = Cmd.run(pipe, Map.of(), null, new byte[0], 60);
        assertThat(p.exit()).isEqualTo(111);
        assertThat(p.out()).isEmpty();
        Cmd.Result none = Cmd.run(tcpEnv, Map.of(), null, new byte[0], 60);
        assertThat(none.exit()).isEqualTo(111);
    }

    @Test
    void tcpclientVerboseSaysConnectedAsDebiansDoes() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> server = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 2; i++) {
                    try (Socket s = ss.accept()) {
                        s.getInputStream().readAllBytes();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            String port = String.valueOf(ss.getLocalPort());
            Cmd.Result d = debian("/usr/bin/tcpclient", new byte[0], "-v", "-RH", "127.0.0.1", port, "sh", "-c", "echo prog");
            Cmd.Result o = ours("org.qmailj.tcpserver.Tcpclient", new byte[0], "-v", "-RH", "127.0.0.1", port, "sh", "-c",
                    "echo prog");
            server.get();
            assertThat(o.err()).isEqualTo(d.err()).isEqualTo("tcpclient: connected to 127.0.0.1 port " + port + "\n");
            assertThat(o.out()).isEqualTo(d.out()).isEqualTo("prog\n");
        }
        try (org.qmailj.testing.RefusedPort refused = new org.qmailj.testing.RefusedPort()) {
            String port = String.valueOf(refused.port());
            for (String v : new String[] {"-q", "-Q", "-v"}) {
                Cmd.Result d = debian("/usr/bin/tcpclient", new byte[0], v, "-RH", "127.0.0.1", port, "true");
                Cmd.Result o = ours("org.qmailj.tcpserver.Tcpclient", new byte[0], v, "-RH", "127.0.0.1", port, "true");
                assertThat(o.exit()).as(v).isEqualTo(d.exit()).isEqualTo(111);
                assertThat(o.err()).as(v).isEqualTo(d.err());
            }
        }
    }
}
