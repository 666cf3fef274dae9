package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.qmailj.testing.Cmd;

/**
 * Test material made at test time (no private key is committed): a self-signed certificate
 * and its key as control/servercert.pem, and a fake checkpassword (sh) that accepts
 * alice/secret and records every user it was asked about.
 */
final class TlsFixture {
    private TlsFixture() { }

    /** openssl's key of {@code kind} ("rsa", "rsa-traditional", "ec") and a certificate for it, in one PEM file. */
    static Path certificate(Path dir, String kind) throws IOException {
        Files.createDirectories(dir);
        Path key = dir.resolve("key-" + kind + ".pem");
        Path crt = dir.resolve("crt-" + kind + ".pem");
        List<String> genkey = switch (kind) {
            case "rsa" -> List.of("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.toString());
            case "rsa-traditional" -> List.of("openssl", "genrsa", "-traditional", "-out", key.toString(), "2048");
            case "ec" -> List.of("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString());
            default -> throw new IllegalArgumentException(kind);
        };
        run(genkey);
        run(List.of("openssl", "req", "-x509", "-new", "-key", key.toString(), "-out", crt.toString(), "-days", "2",
                "-subj", "/CN=test.example"));
        Path pem = dir.resolve("servercert-" + kind + ".pem");
        Files.writeString(pem, Files.readString(key) + Files.readString(crt));
        return pem;
    }

    private static void run(List<String> cmd) throws IOException {
        Cmd.Result r = Cmd.run(cmd, Map.of("PATH", System.getenv("PATH")), null, new byte[0], 60);
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    /** control/servercert.pem from a fresh RSA certificate. */
    static void installCertificate(TestHome h, Path dir) throws IOException {
        Files.copy(certificate(dir.resolve("tls"), "rsa"), h.root.resolve("control/servercert.pem"));
    }

    /** A checkpassword that accepts alice/secret and appends each user it reads to {@code log}. */
    static Path checkpassword(Path dir, Path log) throws IOException {
        Path p = dir.resolve("checkpassword");
        Files.writeString(p, """
                #!/bin/sh
                head -c 1024 <&3 | tr '\\0' '\\n' | {
                  read -r user; read -r pass
                  echo "$user" >> '%s'
                  [ "$user" = alice ] && [ "$pass" = secret ]
                }
                """.formatted(log));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    /** A client-side TLS layer over {@code plain} that trusts any certificate (ours is self-signed). */
    static SSLSocket clientTls(Socket plain) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) { }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) { }

            @Override
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, "test.example", plain.getPort(), true);
        s.setUseClientMode(true);
        s.startHandshake();
        return s;
    }
}
