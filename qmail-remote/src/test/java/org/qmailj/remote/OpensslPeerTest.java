package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.address.ConstMap;
import org.qmailj.testing.DefaultSignals;
import org.xbill.DNS.SimpleResolver;

/**
 * STARTTLS with a peer that is not the JDK: a small SMTP server in Python whose TLS is
 * OpenSSL's (tls_smtp_peer.py, run by Debian's /usr/bin/python3), reached by an smtproutes
 * entry naming 127.0.0.1. Its log shows the handshake (version, cipher) and the commands and
 * message that came through it.
 */
class OpensslPeerTest {
    static final String PYTHON = "/usr/bin/python3";
    @TempDir
    static Path tmp;
    static TestPki ca;
    static TestPki.PemFiles cert;

    @BeforeAll
    static void pki() throws Exception {
        ca = TestPki.create(tmp, "Peer CA");
        cert = ca.pem("IP:127.0.0.1");
    }

    /** The peer, running until closed; the log of what it saw. */
    static final class Peer implements AutoCloseable {
        final Process process;
        final Path log;
        final int port;

        Peer(String name, String... extra) throws IOException, InterruptedException {
            Path script = tmp.resolve("tls_smtp_peer.py");
            if (!Files.exists(script)) {
                try (InputStream in = OpensslPeerTest.class.getResourceAsStream("tls_smtp_peer.py")) {
                    Files.copy(in, script);
                }
            }
            Path portfile = tmp.resolve(name + ".port");
            log = tmp.resolve(name + ".log");
            List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString(), "127.0.0.1", cert.chain().toString(),
                    cert.key().toString(), portfile.toString(), log.toString()));
            cmd.addAll(List.of(extra));
            process = DefaultSignals.builder(cmd).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve(name + ".out").toFile()).start();
            for (int i = 0; i < 1000 && !Files.exists(portfile); i++) {
                if (!process.isAlive()) throw new IOException("peer died: " + Files.readString(tmp.resolve(name + ".out")));
                Thread.sleep(10);
            }
            port = Integer.parseInt(Files.readString(portfile).trim());
        }

        /** The log once the peer has seen QUIT (at most 10 s). */
        List<String> awaitQuit() throws IOException, InterruptedException {
            for (int i = 0; i < 1000; i++) {
                if (Files.exists(log) && Files.readAllLines(log).contains("QUIT")) break;
                Thread.sleep(10);
            }
            return Files.readAllLines(log);
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }

    String deliver(Peer peer, String... tlsdestinations) throws IOException {
        RemoteControl c = new RemoteControl("me.test", 5, 10, ConstMap.ofColonLines(List.of("peer.test:127.0.0.1:" + peer.port)),
                TlsDestinations.parse(List.of(tlsdestinations), tmp));
        SimpleResolver nowhere = new SimpleResolver(new InetSocketAddress("127.0.0.1", 9));
        Remote.Context ctx = new Remote.Context(c, new DnsjavaDns(nowhere), new Ipme(), new Tcpto(tmp.resolve("none")),
                () -> 1, TlsClient.jdkDefault(), null);
        Path m = tmp.resolve("message");
        Files.writeString(m, "Subject: over TLS\n\n.dot\nbody\n");
        Output out = Remote.deliver(ctx, "peer.test", "s@from.test", List.of("a@peer.test", "b@peer.test"), MessageSource.file(m));
        return new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void tls13WithAVerifiedCertificate() throws Exception {
        try (Peer peer = new Peer("tls13")) {
            String out = deliver(peer, "127.0.0.1:" + ca.caPem);
            assertThat(out).startsWith("r\0r\0K127.0.0.1 accepted message.\nTLS: TLSv1.3 ")
                    .endsWith(", certificate verified.\nRemote host said: 250 ok queued\n\0");
            List<String> log = peer.awaitQuit();
            assertThat(log.get(2)).startsWith("TLS TLSv1.3 TLS_").endsWith(" sni=-"); // no SNI for an address
            assertThat(log).containsExactly("EHLO me.test", "STARTTLS", log.get(2), "EHLO me.test",
                    "MAIL FROM:<s@from.test> SIZE=33", "RCPT TO:<a@peer.test>", "RCPT TO:<b@peer.test>", "DATA",
                    "MESSAGE 37 bytes", "QUIT");
        }
    }

    @Test
    void tls12Peer() throws Exception {
        try (Peer peer = new Peer("tls12", "1.2")) {
            String out = deliver(peer);
            assertThat(out).startsWith("r\0r\0K127.0.0.1 accepted message.\nTLS: TLSv1.2 TLS_ECDHE_ECDSA_")
                    .contains(", certificate not verified.\n"); // opportunistic, CA not in the JDK's store
            assertThat(peer.awaitQuit()).anyMatch(l -> l.startsWith("TLS TLSv1.2 ECDHE-ECDSA-"));
        }
    }
}
