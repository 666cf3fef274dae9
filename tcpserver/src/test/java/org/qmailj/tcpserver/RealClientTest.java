package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/** Real SMTP clients (Debian's swaks and Postfix's smtp-source, Python's smtplib) against tcpserver + qmail-smtpd. */
class RealClientTest {
    @TempDir
    Path dir;

    private ServerProcess server(QueueStub q) throws Exception {
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", q.home);
        c.addAll(List.of("-1", "-c", "100", "-RH", "-l", "mx.test.example", "127.0.0.1", "0", "qmail-smtpd"));
        return new ServerProcess(c, Map.of("QMAILQUEUE", q.stub.toString()));
    }

    @Test
    void swaks() throws Exception {
        QueueStub q = new QueueStub(dir);
        try (ServerProcess srv = server(q)) {
            Cmd.Result r = Cmd.run(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(srv.port),
                    "--from", "sender@example.net", "--to", "rcpt@test.example", "--helo", "client.example",
                    "--header", "Subject: swaks test", "--body", "line one\n.leading dot\nline three", "--pipeline"),
                    Map.of("PATH", System.getenv("PATH")), null, new byte[0], 60);
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).contains("<-  250-PIPELINING").containsPattern("<-  250 ok \\d+ qp \\d+");
            Cmd.Result refused = Cmd.run(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(srv.port),
                    "--from", "sender@example.net", "--to", "victim@elsewhere.example"),
                    Map.of("PATH", System.getenv("PATH")), null, new byte[0], 60);
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.out()).contains("<** 553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)");
        }
        assertThat(q.messages()).hasSize(1);
        assertThat(q.messages().get(0)).startsWith("Received: from unknown (HELO client.example) (127.0.0.1)\n  by mx.test.example with SMTP; ")
                .contains("\nSubject: swaks test\n").contains("\n\nline one\n.leading dot\nline three\n");
        assertThat(q.envelopes().get(0)).isEqualTo("Fsender@example.net\0Trcpt@test.example\0\0");
    }

    @Test
    void pythonSmtplib() throws Exception {
        QueueStub q = new QueueStub(dir);
        Path script = dir.resolve("client.py");
        Files.writeString(script, """
                import smtplib, sys
                s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
                code, msg = s.ehlo('py.example')
                print(code, 'pipelining' in s.esmtp_features, '8bitmime' in s.esmtp_features)
                refused = s.sendmail('py@example.net', ['a@test.example', 'b@elsewhere.example'],
                                     b'Subject: py\\r\\n\\r\\n8bit \\xe9\\r\\n.dot\\r\\n')
                print(refused)
                print(s.vrfy('x'))
                print(s.noop())
                try:
                    s.sendmail('py@example.net', ['c@elsewhere.example'], 'x')
                except smtplib.SMTPRecipientsRefused as e:
                    print('refused', e.recipients)
                print(s.quit())
                """);
        try (ServerProcess srv = server(q)) {
            Cmd.Result r = Cmd.run(List.of("python3", script.toString(), String.valueOf(srv.port)),
                    Map.of("PATH", System.getenv("PATH"), "HOME", System.getProperty("user.home")), null, new byte[0], 60);
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).isEqualTo("""
                    250 True True
                    {'b@elsewhere.example': (553, b"sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)")}
                    (252, b"send some mail, i'll try my best")
                    (250, b'ok')
                    refused {'c@elsewhere.example': (553, b"sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)")}
                    (221, b'test.example')
                    """);
        }
        assertThat(q.messages()).hasSize(1);
        assertThat(q.messages().get(0)).endsWith("\nSubject: py\n\n8bit \u00e9\n.dot\n");
        assertThat(q.envelopes().get(0)).isEqualTo("Fpy@example.net\0Ta@test.example\0\0");
    }

    @Test
    void postfixSmtpSource() throws Exception {
        QueueStub q = new QueueStub(dir);
        try (ServerProcess srv = server(q)) {
            Cmd.Result r = Cmd.run(List.of("/usr/sbin/smtp-source", "-c", "-s", "5", "-m", "40", "-l", "2048",
                    "-f", "src@example.net", "-t", "sink@test.example", "127.0.0.1:" + srv.port),
                    Map.of("PATH", System.getenv("PATH")), null, new byte[0], 120);
            assertThat(r.exit()).as(r.toString()).isZero();
        }
        assertThat(q.messages()).hasSize(40);
        for (String e : q.envelopes()) assertThat(e).isEqualTo("Fsrc@example.net\0Tsink@test.example\0\0");
    }
}
