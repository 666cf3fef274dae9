package org.qmailj.remote.dkim;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import org.qmailj.common.tls.Pem;

/**
 * One signing key: the file {@code control/dkim/DOMAIN.SELECTOR}, a PEM "PRIVATE KEY"
 * (PKCS#8, unencrypted) block, RSA of at least 1024 bits or Ed25519, optionally followed by
 * the matching "PUBLIC KEY" block (qmail-dkimkeygen writes both, so the DNS record can be
 * printed again later: the JDK cannot derive an Ed25519 public key from the private one).
 */
public record DkimKey(String domain, String selector, Algorithm algorithm, PrivateKey key, Optional<PublicKey> publicKey) {

    /** The two signing algorithms: RFC 6376's rsa-sha256 and RFC 8463's ed25519-sha256. */
    public enum Algorithm {
        RSA_SHA256("rsa-sha256", "rsa"),
        ED25519_SHA256("ed25519-sha256", "ed25519");

        public final String tag;
        public final String keyType;

        Algorithm(String tag, String keyType) {
            this.tag = tag;
            this.keyType = keyType;
        }
    }

    /** RFC 8301: signers use at least 1024 bits (2048 recommended); verifiers refuse less. */
    public static final int MIN_RSA_BITS = 1024;

    /** Parses a key file's text; the message of the exception says what is wrong. */
    public static DkimKey parse(String domain, String selector, String pem) throws GeneralSecurityException {
        if (pem.contains("-----BEGIN RSA PRIVATE KEY-----"))
            throw new GeneralSecurityException("a PKCS#1 RSA key: convert it with openssl pkcs8 -topk8 -nocrypt");
        if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
            throw new GeneralSecurityException("an encrypted key: store it unencrypted (openssl pkcs8 -topk8 -nocrypt)");
        byte[] der = block(pem, "PRIVATE KEY")
                .orElseThrow(() -> new GeneralSecurityException("no -----BEGIN PRIVATE KEY----- block"));
        Optional<byte[]> pub = block(pem, "PUBLIC KEY");
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        PrivateKey key;
        Algorithm alg;
        try {
            key = KeyFactory.getInstance("RSA").generatePrivate(spec);
            alg = Algorithm.RSA_SHA256;
            int bits = ((RSAPrivateKey) key).getModulus().bitLength();
            if (bits < MIN_RSA_BITS) throw new GeneralSecurityException("an RSA key of " + bits + " bits (at least " + MIN_RSA_BITS + ")");
        } catch (java.security.spec.InvalidKeySpecException | ClassCastException notRsa) {
            try {
                key = KeyFactory.getInstance("Ed25519").generatePrivate(spec);
                alg = Algorithm.ED25519_SHA256;
            } catch (java.security.spec.InvalidKeySpecException e) {
                throw new GeneralSecurityException("neither an RSA nor an Ed25519 key", e);
            }
        }
        Optional<PublicKey> publicKey = Optional.empty();
        if (pub.isPresent()) {
            publicKey = Optional.of(KeyFactory.getInstance(alg == Algorithm.RSA_SHA256 ? "RSA" : "Ed25519")
                    .generatePublic(new X509EncodedKeySpec(pub.get())));
        } else if (key instanceof RSAPrivateCrtKey crt) {
            publicKey = Optional.of(KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent())));
        }
        return new DkimKey(domain, selector, alg, key, publicKey);
    }

    /** The decoded body of the first PEM block of this label (qmail-common's one PEM reader). */
    static Optional<byte[]> block(String pem, String label) throws GeneralSecurityException {
        return Pem.blocks(pem).stream().filter(b -> b.label().equals(label)).map(Pem.Block::der).findFirst();
    }

    /**
     * Signs the canonical header data: RSA with SHA-256 (PKCS#1 v1.5); Ed25519 (pure) over
     * the SHA-256 hash of the data, as RFC 8463 section 3 says.
     */
    public byte[] sign(byte[] data) throws GeneralSecurityException {
        Signature s;
        if (algorithm == Algorithm.RSA_SHA256) {
            s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update(data);
        } else {
            s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(MessageDigest.getInstance("SHA-256").digest(data));
        }
        return s.sign();
    }

    /** The p= value of the DNS record: RSA's SubjectPublicKeyInfo, Ed25519's raw 32 bytes (RFC 8463 4.2). */
    public static String dnsPublicKey(Algorithm alg, PublicKey pub) {
        byte[] spki = pub.getEncoded();
        byte[] p = alg == Algorithm.RSA_SHA256 ? spki : Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        return Base64.getEncoder().encodeToString(p);
    }

    /** The TXT record's text: {@code v=DKIM1; k=rsa; p=...}. */
    public static String dnsRecord(Algorithm alg, PublicKey pub) {
        return "v=DKIM1; k=" + alg.keyType + "; p=" + dnsPublicKey(alg, pub);
    }

    @Override
    public String toString() {
        return "DkimKey[" + domain + "." + selector + ", " + algorithm.tag + "]";
    }
}
