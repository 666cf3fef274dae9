package org.qmailj.remote;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509ExtendedTrustManager;
import org.qmailj.testing.Cmd;

/**
 * A certificate authority made at test time with openssl (EC P-256, valid two days), its
 * private keys only in the test's temporary directory: the CA certificate as a PEM file and a
 * trust manager, and server certificates for given subjectAltNames as SSLContexts.
 */
final class TestPki {
    private static final AtomicInteger SERIAL = new AtomicInteger();
    final Path dir;
    final Path caPem;
    final X509ExtendedTrustManager trust;

    private TestPki(Path dir, Path caPem, X509ExtendedTrustManager trust) {
        this.dir = dir;
        this.caPem = caPem;
        this.trust = trust;
    }

    static TestPki create(Path parent, String name) throws IOException, GeneralSecurityException {
        Path dir = Files.createDirectories(parent.resolve("pki-" + name));
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=" + name, "-days", "2",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        Path ca = dir.resolve("ca.pem");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        return new TestPki(dir, ca, TlsClient.trustManager(ks));
    }

    /** A server context whose certificate (signed by this CA) names {@code sans} ("DNS:x", "IP:1.2.3.4"). */
    SSLContext server(String... sans) throws IOException, GeneralSecurityException {
        String n = issue(sans);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(n + ".p12"))) {
            ks.load(in, "test".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "test".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** A certificate chain (server, then CA) and its key as PEM files, for a server outside the JVM. */
    record PemFiles(Path chain, Path key) {
    }

    PemFiles pem(String... sans) throws IOException {
        String n = issue(sans);
        Path chain = dir.resolve(n + "-chain.pem");
        Files.writeString(chain, Files.readString(dir.resolve(n + ".pem")) + Files.readString(caPem));
        return new PemFiles(chain, dir.resolve(n + ".key"));
    }

    /** Issues a certificate: n.key, n.pem and n.p12 (password "test") in dir; returns n. */
    private String issue(String... sans) throws IOException {
        String n = "s" + SERIAL.incrementAndGet();
        Files.writeString(dir.resolve(n + ".ext"), "subjectAltName=" + String.join(",", sans)
                + "\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n");
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", n + ".key",
                "-out", n + ".csr", "-subj", "/CN=" + sans[0].substring(sans[0].indexOf(':') + 1));
        openssl(dir, "x509", "-req", "-in", n + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
                String.valueOf(System.nanoTime() & 0xffffffffL), "-days", "2", "-out", n + ".pem", "-extfile", n + ".ext");
        openssl(dir, "pkcs12", "-export", "-in", n + ".pem", "-inkey", n + ".key", "-certfile", "ca.pem",
                "-out", n + ".p12", "-passout", "pass:test", "-name", "server");
        return n;
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Cmd.Result r = Cmd.run(cmd, java.util.Map.of(), dir, new byte[0], 60);
        if (r.exit() != 0) throw new IOException("openssl " + String.join(" ", args) + ": " + r);
    }
}
