package org.qmailj.remote;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client side of STARTTLS through the JDK's TLS (1.2 and 1.3): one handshake on an
 * existing connection, the certificate checked against a {@link TlsPolicy}. The check always
 * runs (PKIX path and the server's name, as for HTTPS: RFC 6125 wildcards in the leftmost
 * label); when the policy does not require it, a failed check is only recorded, and the
 * delivery report says "certificate not verified". Thread-safe; one instance per process.
 */
public final class TlsClient {
    private final X509ExtendedTrustManager trust;

    /** @param trust the trust store for "verify against the JDK trust store" (and MTA-STS) */
    public TlsClient(X509ExtendedTrustManager trust) {
        this.trust = trust;
    }

    /** The JDK's default trust store (cacerts, or -Djavax.net.ssl.trustStore). */
    public static TlsClient jdkDefault() {
        try {
            return new TlsClient(trustManager(null));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no default trust manager: " + e, e);
        }
    }

    X509ExtendedTrustManager trust() {
        return trust;
    }

    static X509ExtendedTrustManager trustManager(KeyStore ks) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(ks);
        for (TrustManager t : f.getTrustManagers()) if (t instanceof X509ExtendedTrustManager x) return x;
        throw new GeneralSecurityException("no X509ExtendedTrustManager");
    }

    /** An established session. */
    record Session(SSLSocket socket, String protocol, String cipher, boolean verified) {
        /** How the delivery report names it. */
        String describe() {
            return protocol + " " + cipher + (verified ? ", certificate verified" : ", certificate not verified");
        }
    }

    /** Why a handshake did not give a session, in qmail-remote's words (without the letter). */
    static final class Failed extends Exception {
        final String what;
        final String reason;
        final boolean unverified;

        Failed(String what, String reason, boolean unverified) {
            super(what + ": " + reason, null, false, false);
            this.what = what;
            this.reason = reason;
            this.unverified = unverified;
        }
    }

    /**
     * Runs the handshake over {@code raw}, presenting {@code serverName} (SNI, and the name the
     * certificate must carry; an IP address text for a literal).
     */
    Session handshake(Socket raw, String serverName, TlsPolicy policy, int timeoutMillis) throws Failed {
        X509ExtendedTrustManager base;
        try {
            base = policy.cafile() == null ? trust : trustManager(caFile(policy));
        } catch (IOException | GeneralSecurityException e) {
            throw new Failed("TLS unable to load " + policy.cafile(), text(e), false);
        }
        Checking checking = new Checking(base, policy.mode() == TlsPolicy.Mode.VERIFY);
        SSLSocket ssl = null;
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {checking}, null);
            ssl = (SSLSocket) ctx.getSocketFactory().createSocket(raw, serverName, raw.getPort(), true);
            ssl.setUseClientMode(true);
            ssl.setSoTimeout(timeoutMillis);
            SSLParameters params = ssl.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            params.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            if (!policy.ciphers().isEmpty()) params.setCipherSuites(policy.ciphers().toArray(String[]::new));
            ssl.setSSLParameters(params);
            ssl.startHandshake();
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            if (checking.failure != null && checking.mandatory) {
                throw new Failed("TLS unable to verify server " + serverName, text(checking.failure), true);
            }
            throw new Failed("TLS connect failed", text(e), false);
        }
        boolean verified = checking.failure == null;
        Certificate[] chain;
        try {
            chain = ssl.getSession().getPeerCertificates();
        } catch (IOException e) {
            chain = new Certificate[0];
        }
        if (policy.mode() == TlsPolicy.Mode.VERIFY && policy.verifyDepth() > 0 && chain.length - 1 > policy.verifyDepth()) {
            throw new Failed("TLS unable to verify server " + serverName, "chain of " + chain.length
                    + " certificates is deeper than verifydepth " + policy.verifyDepth(), true);
        }
        return new Session(ssl, ssl.getSession().getProtocol(), ssl.getSession().getCipherSuite(), verified);
    }

    private static KeyStore caFile(TlsPolicy policy) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        try (InputStream in = Files.newInputStream(policy.cafile())) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
        }
        if (i == 0) throw new CertificateException("no certificates");
        return ks;
    }

    /** One line of printable text from an exception chain's innermost useful message. */
    static String text(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < m.length() && b.length() < 200; i++) {
            char c = m.charAt(i);
            b.append(c < 32 || c > 126 ? '?' : c);
        }
        return b.toString();
    }

    /**
     * Delegates to the real check; a failure is remembered and, unless mandatory, the
     * certificate accepted (opportunistic TLS still encrypts).
     */
    private static final class Checking extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final boolean mandatory;
        private volatile CertificateException failure;

        Checking(X509ExtendedTrustManager delegate, boolean mandatory) {
            this.delegate = delegate;
            this.mandatory = mandatory;
        }

        private void check(Check c) throws CertificateException {
            try {
                c.run();
            } catch (CertificateException e) {
                failure = e;
                if (mandatory) throw e;
            }
        }

        private interface Check {
            void run() throws CertificateException;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(() -> delegate.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(() -> delegate.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(() -> delegate.checkServerTrusted(chain, authType));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
