package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qmailj.common.address.ConstMap;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.PrivatePostfix;
import org.qmailj.testing.RootOnly;
import org.xbill.DNS.SimpleResolver;

/**
 * Postfix (Debian's package) as the receiving peer: a private instance ({@code postfix -c
 * DIR}, its own queue, smtpd on 127.0.0.1 and a free port, a virtual mailbox for
 * alice@pf.test) with a certificate made at test time. Postfix's log and the Received line it
 * writes into the Maildir show that it got our TLS session; its SIZE limit and PIPELINING
 * are used as it offers them. Root: Postfix's master must start as root.
 */
@RootOnly
class PostfixPeerTest {
    static Path work;
    static PrivatePostfix postfix;
    static Path maildir;
    static int port;
    static TestPki ca;

    @BeforeAll
    static void start() throws Exception {
        work = Files.createTempDirectory(Path.of("/var/tmp"), "qmail-remote-postfix");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path mail = Files.createDirectories(work.resolve("mail"));
        Cmd.Result chown = Cmd.run(List.of("chown", "65534:65534", mail.toString()));
        if (chown.exit() != 0) throw new IOException("chown: " + chown);
        ca = TestPki.create(work, "Postfix test CA");
        TestPki.PemFiles cert = ca.pem("IP:127.0.0.1");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Path vmailbox = work.resolve("vmailbox");
        Files.writeString(vmailbox, "alice@pf.test alice/Maildir/\n");
        postfix = PrivatePostfix.configure(work, List.of(
                "mynetworks = 127.0.0.0/8",
                "smtpd_relay_restrictions = permit_mynetworks, reject",
                "local_recipient_maps =",
                "virtual_mailbox_domains = pf.test",
                "virtual_mailbox_base = " + mail,
                "virtual_mailbox_maps = texthash:" + vmailbox,
                "virtual_uid_maps = static:65534",
                "virtual_gid_maps = static:65534",
                "message_size_limit = 100000",
                "smtpd_tls_cert_file = " + cert.chain(),
                "smtpd_tls_key_file = " + cert.key(),
                "smtpd_tls_security_level = may",
                "smtpd_tls_loglevel = 1",
                "smtpd_tls_received_header = yes"));
        postfix.postconf("-MX", "smtp/inet");
        postfix.postconf("-M", "127.0.0.1:" + port + "/inet=127.0.0.1:" + port + " inet n - n - - smtpd");
        maildir = mail.resolve("alice/Maildir/new");
        postfix.start();
        for (int i = 0; ; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                break;
            } catch (IOException e) {
                if (i > 300) throw new IOException("postfix did not listen: " + postfix.log());
                Thread.sleep(50);
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (postfix != null) postfix.close();
        if (work != null) Cmd.run(List.of("rm", "-rf", work.toString()));
    }

    static String log() throws IOException {
        return postfix.log();
    }

    String deliver(String body, String... recips) throws IOException {
        RemoteControl c = new RemoteControl("me.test", 5, 30, ConstMap.ofColonLines(List.of("pf.test:127.0.0.1:" + port)),
                TlsDestinations.parse(List.of("127.0.0.1:" + ca.caPem), work));
        SimpleResolver nowhere = new SimpleResolver(new InetSocketAddress("127.0.0.1", 9));
        Remote.Context ctx = new Remote.Context(c, new DnsjavaDns(nowhere), new Ipme(), new Tcpto(work.resolve("none")),
                () -> 1, TlsClient.jdkDefault(), null);
        Path m = Files.createTempFile(work, "message", "");
        Files.writeString(m, body, StandardCharsets.ISO_8859_1);
        Output out = Remote.deliver(ctx, "pf.test", "s@from.test", List.of(recips), MessageSource.file(m));
        return new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    /** The delivered message whose Subject is {@code subject}, waiting at most 30 s. */
    static String delivered(String subject) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (Files.isDirectory(maildir)) {
                try (Stream<Path> files = Files.list(maildir)) {
                    for (Path f : files.toList()) {
                        String text = Files.readString(f, StandardCharsets.ISO_8859_1);
                        if (text.contains("Subject: " + subject + "\n")) return text;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not delivered: " + subject + "\n" + log());
    }

    @Test
    void postfixReceivesOurTlsSessionAndMessage() throws Exception {
        String out = deliver("Subject: tls one\n\nhello over TLS\n", "alice@pf.test", "nobody@pf.test");
        // Pipelined envelope: alice accepted, nobody refused by Postfix's RCPT check, in order.
        assertThat(out).startsWith("r\0h127.0.0.1 does not like recipient.\nRemote host said: 550 5.1.1 <nobody@pf.test>: ")
                .contains("\0K127.0.0.1 accepted message.\nTLS: TLSv1.3 TLS_")
                .contains(", certificate verified.\nRemote host said: 250 2.0.0 Ok: queued as ");
        String msg = delivered("tls one");
        assertThat(msg).contains("(using TLSv1.3 with cipher ").contains("hello over TLS\n");
        assertThat(log()).contains("TLS connection established from localhost[127.0.0.1]: TLSv1.3 with cipher");
    }

    @Test
    void messageOverPostfixsSizeLimitBouncesAtOnce() throws Exception {
        String big = "Subject: big\n\n" + "x".repeat(99).concat("\n").repeat(1000);
        String out = deliver(big, "alice@pf.test");
        assertThat(out).isEqualTo("DConnected to 127.0.0.1 but the message (" + (big.length() + 1002)
                + " bytes) exceeds its SIZE limit of 100000 bytes. (#5.3.4)\n\0");
    }
}
