package org.qmailj.common.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A PEM file as the netqmail TLS patch reads control/servercert.pem: a private key and a
 * certificate chain in one file, in any order. Keys: PKCS#8 ({@code PRIVATE KEY}; RSA, EC,
 * Ed25519), PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1 ({@code EC PRIVATE KEY}), the last two
 * rewrapped as PKCS#8 for the JDK. Encrypted keys are not supported (the patch's files are
 * not encrypted either).
 *
 * @param key the first private key
 * @param chain the certificates in file order: the server's first, then its issuers
 */
public record Pem(PrivateKey key, List<X509Certificate> chain) {
    private static final byte[] OID_RSA = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 1, 1, 1};
    private static final byte[] OID_EC = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 2, 1};

    /** One BEGIN/END block: its label and decoded bytes. */
    public record Block(String label, byte[] der) { }

    /** Parses {@code text}; a file without a key or without a certificate is an error. */
    public static Pem parse(String text) throws GeneralSecurityException {
        PrivateKey key = null;
        List<X509Certificate> chain = new ArrayList<>();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (Block b : blocks(text)) {
            switch (b.label()) {
                case "CERTIFICATE" -> chain.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY" -> {
                    if (key == null) key = privateKey(b);
                }
                default -> { } // parameters, trusted certificates and the like: not ours
            }
        }
        if (key == null) throw new GeneralSecurityException("no private key in the PEM file");
        if (chain.isEmpty()) throw new GeneralSecurityException("no certificate in the PEM file");
        return new Pem(key, List.copyOf(chain));
    }

    /**
     * The key must go with the first certificate (OpenSSL's SSL_CTX_check_private_key, which
     * the TLS patch calls): else every handshake would fail (qmail-smtpd then does not offer
     * STARTTLS; qmail-showctl says so). Checked by signing a few bytes and verifying them with
     * the certificate's public key.
     */
    public void checkKeyMatches() throws GeneralSecurityException {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> key.getAlgorithm(); // Ed25519, Ed448: the algorithm is the signature
        };
        byte[] probe = "qmail servercert.pem".getBytes(StandardCharsets.US_ASCII);
        Signature sign = Signature.getInstance(alg);
        if (alg.equals("RSASSA-PSS")) {
            sign.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                    java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
        }
        sign.initSign(key);
        sign.update(probe);
        byte[] sig = sign.sign();
        Signature verify = Signature.getInstance(alg);
        if (alg.equals("RSASSA-PSS")) {
            verify.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                    java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
        }
        verify.initVerify(chain.getFirst().getPublicKey());
        verify.update(probe);
        if (!verify.verify(sig)) throw new GeneralSecurityException("the private key does not match the certificate");
    }

    /** The BEGIN/END blocks of {@code text}; text outside them is ignored, as OpenSSL does. */
    public static List<Block> blocks(String text) throws GeneralSecurityException {
        List<Block> out = new ArrayList<>();
        int i = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", i);
            if (begin < 0) return out;
            int labelEnd = text.indexOf("-----", begin + 11);
            if (labelEnd < 0) throw new GeneralSecurityException("unterminated PEM header");
            String label = text.substring(begin + 11, labelEnd);
            String end = "-----END " + label + "-----";
            int endAt = text.indexOf(end, labelEnd + 5);
            if (endAt < 0) throw new GeneralSecurityException("no " + end);
            String body = text.substring(labelEnd + 5, endAt).replaceAll("\\s", "");
            try {
                out.add(new Block(label, Base64.getDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new GeneralSecurityException("bad base64 in PEM block " + label, e);
            }
            i = endAt + end.length();
        }
    }

    /** A key block as a PrivateKey. */
    public static PrivateKey privateKey(Block b) throws GeneralSecurityException {
        byte[] pkcs8 = switch (b.label()) {
            case "RSA PRIVATE KEY" -> seq(concat(new byte[] {2, 1, 0}, seq(concat(OID_RSA, new byte[] {5, 0})), octets(b.der())));
            case "EC PRIVATE KEY" -> seq(concat(new byte[] {2, 1, 0}, seq(concat(OID_EC, ecCurve(b.der()))), octets(b.der())));
            default -> b.der();
        };
        GeneralSecurityException last = null;
        for (String alg : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new GeneralSecurityException("unsupported private key (" + b.label() + ")", last);
    }

    /**
     * The named-curve OID of a SEC1 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING,
     * [0] { OID } ... }. PKCS#8 needs it in the algorithm identifier.
     */
    private static byte[] ecCurve(byte[] sec1) throws GeneralSecurityException {
        Der d = new Der(sec1);
        d.enter(0x30);
        d.skip(0x02);
        d.skip(0x04);
        d.enter(0xa0);
        int start = d.pos;
        d.skip(0x06);
        return Arrays.copyOfRange(sec1, start, d.pos);
    }

    /** Just enough of a DER reader for ecCurve. */
    private static final class Der {
        final byte[] b;
        int pos;

        Der(byte[] b) { this.b = b; }

        int header(int tag) throws GeneralSecurityException {
            if (pos + 2 > b.length || (b[pos] & 0xff) != tag) throw new GeneralSecurityException("bad EC PRIVATE KEY");
            pos++;
            int len = b[pos++] & 0xff;
            if (len >= 0x80) {
                int n = len & 0x7f;
                if (n > 3 || pos + n > b.length) throw new GeneralSecurityException("bad EC PRIVATE KEY");
                len = 0;
                for (int k = 0; k < n; k++) len = (len << 8) | (b[pos++] & 0xff);
            }
            if (pos + len > b.length) throw new GeneralSecurityException("bad EC PRIVATE KEY");
            return len;
        }

        void enter(int tag) throws GeneralSecurityException { header(tag); }

        void skip(int tag) throws GeneralSecurityException {
            int len = header(tag); // not "pos += header(tag)": that adds to pos as it was before the header
            pos += len;
        }
    }

    private static byte[] seq(byte[] content) { return tlv(0x30, content); }

    private static byte[] octets(byte[] content) { return tlv(0x04, content); }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(content.length + 6);
        o.write(tag);
        int n = content.length;
        if (n < 0x80) {
            o.write(n);
        } else if (n < 0x100) {
            o.write(0x81);
            o.write(n);
        } else if (n < 0x10000) {
            o.write(0x82);
            o.write(n >> 8);
            o.write(n);
        } else {
            o.write(0x83);
            o.write(n >> 16);
            o.write(n >> 8);
            o.write(n);
        }
        o.writeBytes(content);
        return o.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) o.writeBytes(p);
        return o.toByteArray();
    }
}
