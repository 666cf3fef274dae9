package org.qmailj.smtpd;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.qmailj.common.control.ControlDir;
import org.qmailj.common.tls.Pem;

/**
 * The server side of STARTTLS: control/servercert.pem (the TLS patch's file: private key and
 * certificate chain in one PEM file) as an SSLContext offering TLS 1.2 and 1.3, with the
 * TLS 1.2 suites limited by control/tlsserverciphers when that names any the JDK has
 * ({@link TlsCiphers}).
 *
 * <p>Parsing the key and building the context costs milliseconds, so a context is kept per
 * file with the bytes it was built from; each session reads both files (a few KiB) and the
 * context is rebuilt when they differ: a new certificate is used by the next session, as
 * with the patch, which reads the file per connection.
 */
final class ServerTls {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    /** Sessions kept for TLS 1.2 resumption, per certificate file. */
    static final int SESSION_CACHE = 1000;

    /** The files' bytes the context was built from (a few KiB; compared per session). */
    private record Cached(byte[] cert, byte[] ciphers, ServerTls tls) {
        boolean builtFrom(byte[] c, byte[] s) { return Arrays.equals(cert, c) && Arrays.equals(ciphers, s); }
    }

    private static final ConcurrentHashMap<Path, Cached> CACHE = new ConcurrentHashMap<>();

    private final SSLContext context;
    private final String[] suites;

    private ServerTls(SSLContext context, String[] suites) {
        this.context = context;
        this.suites = suites;
    }

    /** The TLS settings of {@code control}, or empty when servercert.pem is missing or unusable. */
    static Optional<ServerTls> load(ControlDir control) {
        Path cert = control.file("servercert.pem");
        Path ciphers = control.file("tlsserverciphers");
        try {
            if (!control.exists("servercert.pem")) return Optional.empty();
            byte[] certBytes = Files.readAllBytes(cert);
            byte[] cipherBytes = control.exists("tlsserverciphers") ? Files.readAllBytes(ciphers) : new byte[0];
            Cached c = CACHE.get(cert);
            if (c != null && c.builtFrom(certBytes, cipherBytes)) return Optional.of(c.tls);
            ServerTls tls = build(new String(certBytes, StandardCharsets.ISO_8859_1),
                    new String(cipherBytes, StandardCharsets.ISO_8859_1));
            CACHE.put(cert, new Cached(certBytes, cipherBytes, tls));
            return Optional.of(tls);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static ServerTls build(String certText, String cipherText) throws IOException, GeneralSecurityException {
        Pem pem = Pem.parse(certText);
        pem.checkKeyMatches();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] none = new char[0];
        ks.setKeyEntry("server", pem.key(), none, pem.chain().toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, none);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        // The JDK keeps up to 20,480 sessions for resumption by default; a shared daemon keeps
        // fewer (TLS 1.3 resumes through stateless tickets and needs none of them).
        ctx.getServerSessionContext().setSessionCacheSize(SESSION_CACHE);
        ctx.getServerSessionContext().setSessionTimeout(3600);
        String[] supported = ctx.getSupportedSSLParameters().getCipherSuites();
        String[] defaults = ctx.getDefaultSSLParameters().getCipherSuites();
        String line = cipherText.lines().findFirst().orElse("");
        return new ServerTls(ctx, line.isBlank() ? defaults
                : TlsCiphers.select(line, Arrays.asList(supported), Arrays.asList(defaults)));
    }

    /**
     * {@code socket} with a server-mode TLS socket on top, not yet shaken hands; closing it
     * closes {@code socket}. Nothing read from the socket before is given to TLS: what the
     * client pipelined after STARTTLS is discarded by the caller (CVE-2011-0411).
     */
    SSLSocket layer(Socket socket) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(socket, null, socket.getPort(), true);
        s.setUseClientMode(false);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(PROTOCOLS);
        p.setCipherSuites(suites);
        p.setUseCipherSuitesOrder(true);
        p.setNeedClientAuth(false);
        s.setSSLParameters(p);
        return s;
    }

    /** A server-mode engine with the same settings, for TLS over descriptors ({@link EngineTls}). */
    javax.net.ssl.SSLEngine engine() {
        javax.net.ssl.SSLEngine e = context.createSSLEngine();
        e.setUseClientMode(false);
        SSLParameters p = e.getSSLParameters();
        p.setProtocols(PROTOCOLS);
        p.setCipherSuites(suites);
        p.setUseCipherSuitesOrder(true);
        e.setSSLParameters(p);
        return e;
    }

    List<String> suites() { return new ArrayList<>(Arrays.asList(suites)); }
}
