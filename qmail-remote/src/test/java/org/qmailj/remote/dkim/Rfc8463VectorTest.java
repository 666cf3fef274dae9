package org.qmailj.remote.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * RFC 8463 Appendix A, the Ed25519 example: with the RFC 8032 7.1 key, {@link DkimKey#sign}
 * makes exactly the b= of the RFC's signature (Ed25519 is deterministic), so our Ed25519
 * scheme (PureEdDSA over the SHA-256 hash of the header data) is the RFC's. The example uses
 * simple header canonicalization, which is the fields as they stand.
 */
class Rfc8463VectorTest {
    static final String SEED = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
    static final String PUBLIC = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    static final String B = "9/dsDChY0YMTtD5Eyw3wx7x22BlSJP7M5ECbJ7GWrR45nXlTCGb8l0YBo0wBLR++X5LqmsxXaOYLLJe46l10AQ==";

    static final String SIGNED_FIELDS = """
            From: Joe SixPack <joe@football.example.com>\r
            To: Suzie Q <suzie@shopping.example.net>\r
            Subject: Is dinner ready?\r
            Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r
            Message-ID: <20030712040037.46341.5F8J@football.example.com>\r
            """;
    /** The DKIM-Signature field with its b= value taken out, no final CRLF. */
    static final String SIGNATURE_FIELD = "DKIM-Signature: v=1; a=ed25519-sha256; c=simple/simple; \r\n"
            + " d=football.example.com; i=@football.example.com; \r\n"
            + " q=dns/txt; s=brisbane; t=1518460054; h=from : to : \r\n"
            + " subject : date : message-id : from : subject : date; \r\n"
            + " bh=4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=; \r\n"
            + " b=";

    @Test
    void ourEd25519SignatureIsTheRfcs() throws Exception {
        byte[] pkcs8 = HexFormat.of().parseHex("302e020100300506032b657004220420");
        byte[] seed = Base64.getDecoder().decode(SEED);
        byte[] der = new byte[pkcs8.length + seed.length];
        System.arraycopy(pkcs8, 0, der, 0, pkcs8.length);
        System.arraycopy(seed, 0, der, pkcs8.length, seed.length);
        DkimKey key = DkimKey.parse("football.example.com", "brisbane", QmailDkimKeygen.pem("PRIVATE KEY", der));
        assertThat(key.algorithm()).isEqualTo(DkimKey.Algorithm.ED25519_SHA256);

        byte[] data = (SIGNED_FIELDS + SIGNATURE_FIELD).getBytes(StandardCharsets.US_ASCII);
        assertThat(Base64.getEncoder().encodeToString(key.sign(data))).isEqualTo(B);

        // And the RFC's public key (the DNS p=, raw) checks it the same way.
        byte[] spkiPrefix = HexFormat.of().parseHex("302a300506032b6570032100");
        byte[] raw = Base64.getDecoder().decode(PUBLIC);
        byte[] spki = new byte[spkiPrefix.length + raw.length];
        System.arraycopy(spkiPrefix, 0, spki, 0, spkiPrefix.length);
        System.arraycopy(raw, 0, spki, spkiPrefix.length, raw.length);
        var pub = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        assertThat(DkimKey.dnsPublicKey(DkimKey.Algorithm.ED25519_SHA256, pub)).isEqualTo(PUBLIC);
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(pub);
        v.update(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        assertThat(v.verify(Base64.getDecoder().decode(B))).isTrue();
    }
}
