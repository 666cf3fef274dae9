package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * Wrapper chains in front of qmail-smtpd: tcpserver runs them in-process (no process per
 * connection) and the client gets the same bytes as when tcpserver execs the real programs
 * (Debian's rblsmtpd, recordio, envdir, softlimit) in front of a standalone qmail-smtpd.
 */
class ChainTest {
    private static final String TALK = "HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@elsewhere.example>\r\nRSET\r\nQUIT\r\n";

    @TempDir
    Path dir;

    private QueueStub q;
    private Path env;
    private Path smtpdExec;

    private void setUp(String rules) throws Exception {
        q = new QueueStub(dir);
        env = dir.resolve("env");
        Files.createDirectories(env);
        Files.writeString(env.resolve("RELAYCLIENT"), "\n");
        // qmail-smtpd as its own program under a name tcpserver does not know: the chain is exec'ed
        smtpdExec = dir.resolve("smtpd-exec");
        Files.writeString(smtpdExec, "#!/bin/sh\nexec '" + String.join("' '", ServerProcess.java("org.qmailj.smtpd.QmailSmtpd", q.home))
                + "'\n");
        Files.setPosixFilePermissions(smtpdExec, PosixFilePermissions.fromString("rwxr-xr-x"));
        Cmd.Result r = Cmd.run(List.of("/usr/bin/tcprules", dir.resolve("rules.cdb").toString(), dir.resolve("rules.tmp").toString()),
                Map.of(), null, rules.getBytes(StandardCharsets.ISO_8859_1), 30);
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    private ServerProcess server(List<String> chain, String last) throws Exception {
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", q.home);
        c.addAll(List.of("-1", "-v", "-RH", "-l0", "-x", dir.resolve("rules.cdb").toString(), "127.0.0.1", "0"));
        c.addAll(chain);
        c.add(last);
        return new ServerProcess(c, Map.of("QMAILQUEUE", q.stub.toString()));
    }

    private static String talk(ServerProcess srv) throws Exception {
        return talk(srv, TALK);
    }

    private static String talk(ServerProcess srv, String text) throws Exception {
        try (Socket s = srv.connect()) {
            s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** The client's and the server's bytes as recordio's lines on stderr give them back. */
    private static String[] replay(byte[] stderr, String pidPattern) {
        StringBuilder in = new StringBuilder();
        StringBuilder out = new StringBuilder();
        for (String l : new String(stderr, StandardCharsets.ISO_8859_1).split("\n")) {
            if (!l.matches("(?s)" + pidPattern + " [<>] .*")) continue;
            int at = l.indexOf(' ');
            StringBuilder b = l.charAt(at + 1) == '<' ? in : out;
            String data = l.substring(at + 3);
            if (data.equals("[EOF]")) {
                b.append("[EOF]");
            } else if (data.endsWith("+")) {
                b.append(data, 0, data.length() - 1);
            } else {
                b.append(data, 0, data.length() - 1).append('\n');
            }
        }
        return new String[] {in.toString(), out.toString()};
    }

    private void sameBytes(List<String> chain, String expectedStart) throws Exception {
        sameBytes(chain, expectedStart, TALK);
    }

    private void sameBytes(List<String> chain, String expectedStart, String text) throws Exception {
        String inProcess;
        byte[] inProcessErr;
        try (ServerProcess srv = server(chain, "qmail-smtpd")) {
            inProcess = talk(srv, text);
            srv.awaitLog("tcpserver: end 1 status \\d+");
            inProcessErr = srv.stderrBytes();
            assertThat(srv.log).as("in-process: no pid but 1").noneMatch(l -> l.matches("tcpserver: pid (?!1 ).*"));
        }
        String execed;
        byte[] execedErr;
        try (ServerProcess srv = server(chain, smtpdExec.toString())) {
            execed = talk(srv, text);
            String pid = srv.awaitLog("tcpserver: pid \\d+ from 127.0.0.1").split(" ")[2];
            srv.awaitLog("tcpserver: end " + pid + " status \\d+");
            execedErr = srv.stderrBytes();
        }
        assertThat(inProcess).as(chain.toString()).startsWith(expectedStart).isEqualTo(execed);
        if (chain.contains("recordio")) {
            String[] mine = replay(inProcessErr, "1");
            String[] theirs = replay(execedErr, "\\d+");
            assertThat(mine[0]).isEqualTo(TALK);
            assertThat(mine[1]).isEqualTo(inProcess + "[EOF]");
            assertThat(theirs[1]).isEqualTo(execed + "[EOF]");
            assertThat(theirs[0]).startsWith(TALK);
        }
    }

    @Test
    void eachWrapperGivesTheSameBytesInProcessAsExeced() throws Exception {
        setUp("127.0.0.1:allow\n");
        // A JVM cannot start under softlimit -m 30000000, so the exec'ed side gets limits it survives;
        // the in-process chain takes -m as well (it cannot hurt there).
        sameBytes(List.of("softlimit", "-o", "1000", "-c", "0"), "220 test.example ESMTP\r\n250 test.example\r\n250 ok\r\n553 ");
        try (ServerProcess srv = server(List.of("softlimit", "-m", "30000000"), "qmail-smtpd")) {
            assertThat(talk(srv)).startsWith("220 test.example ESMTP\r\n250 test.example\r\n250 ok\r\n553 ");
        }
        sameBytes(List.of("envdir", env.toString()), "220 test.example ESMTP\r\n250 test.example\r\n250 ok\r\n250 ok\r\n");
        sameBytes(List.of("envdir", dir.resolve("missing").toString()), "", "");
        sameBytes(List.of("recordio"), "220 test.example ESMTP\r\n");
        sameBytes(List.of("rblsmtpd"), "220 test.example ESMTP\r\n");
        sameBytes(List.of("softlimit", "-o", "1000", "envdir", env.toString(), "recordio", "rblsmtpd", "-t", "30"),
                "220 test.example ESMTP\r\n250 test.example\r\n250 ok\r\n250 ok\r\n");
    }

    @Test
    void rblsmtpdFromTheRulesSameBytesInProcessAsExeced() throws Exception {
        setUp("127.0.0.1:allow,RBLSMTPD=\"-go away\"\n");
        sameBytes(List.of("rblsmtpd"), "220 rblsmtpd.local\r\n250 rblsmtpd.local\r\n250 rblsmtpd.local\r\n553 go away\r\n");
        // with -t0 rblsmtpd answers once and reads nothing: a client that wrote would be reset
        sameBytes(List.of("envdir", env.toString(), "rblsmtpd", "-t0"), "553 go away\r\n", "");
        Files.writeString(env.resolve("RBLSMTPD"), "\n");
        sameBytes(List.of("envdir", env.toString(), "rblsmtpd"), "220 test.example ESMTP\r\n");
        Files.writeString(env.resolve("RBLSMTPD"), "slow down\n");
        sameBytes(List.of("recordio", "envdir", env.toString(), "rblsmtpd"), "220 rblsmtpd.local\r\n250 rblsmtpd.local\r\n"
                + "250 rblsmtpd.local\r\n451 slow down\r\n250 rblsmtpd.local\r\n221 rblsmtpd.local\r\n");
    }

    @Test
    void envdirIsReadForEachConnectionAndFailsLikeEnvdir() throws Exception {
        setUp("127.0.0.1:allow\n");
        try (ServerProcess srv = server(List.of("envdir", env.toString()), "qmail-smtpd")) {
            assertThat(talk(srv)).contains("\r\n250 ok\r\n250 ok\r\n");
            Files.writeString(env.resolve("RELAYCLIENT"), "");
            assertThat(talk(srv)).contains("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n");
            Files.createDirectory(env.resolve("SUB"));
            assertThat(talk(srv)).isEmpty();
            srv.awaitLog("tcpserver: end 3 status 28416");
            assertThat(srv.log).contains("envdir: fatal: unable to read " + env + "/SUB: is a directory");
        }
    }

    private static int children(ServerProcess srv) {
        return (int) srv.process.children().count();
    }

    @Test
    void knownChainRunsWithoutAProcessPerConnectionUnknownProgramWithOne() throws Exception {
        setUp("127.0.0.1:allow\n");
        List<String> known = List.of("softlimit", "-m", "30000000", "envdir", env.toString(), "rblsmtpd", "recordio",
                "tcp-env", "-R");
        try (ServerProcess srv = server(known, "qmail-smtpd")) {
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    Socket s = srv.connect();
                    open.add(s);
                    assertThat(line(s.getInputStream())).isEqualTo("220 test.example ESMTP\r\n");
                }
                assertThat(children(srv)).isZero();
                srv.awaitLog("tcpserver: status: 5/40");
            } finally {
                for (Socket s : open) s.close();
            }
        }
        try (ServerProcess srv = server(List.of("softlimit", "-m", "30000000", "envdir", env.toString()), "/bin/cat")) {
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    Socket s = srv.connect();
                    open.add(s);
                    s.getOutputStream().write("ping\n".getBytes());
                    assertThat(line(s.getInputStream())).isEqualTo("ping\n");
                }
                // one process per connection: softlimit exec'ed envdir, which exec'ed cat
                assertThat(srv.process.children().toList()).hasSize(5)
                        .allMatch(p -> p.info().command().orElse("").endsWith("/cat"));
            } finally {
                for (Socket s : open) s.close();
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (children(srv) > 0 && System.nanoTime() < end) Thread.sleep(20);
            assertThat(children(srv)).isZero();
        }
    }

    private static String line(InputStream in) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            b.write(c);
            if (c == '\n') break;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
