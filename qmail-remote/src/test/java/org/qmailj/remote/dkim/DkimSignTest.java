package org.qmailj.remote.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signatures made by {@link DkimSigner}, checked by a real verifier (python3-dkim; its
 * Ed25519 goes through python3-nacl), and the relaxed canonicalization's edge cases checked
 * against python3-dkim's own.
 */
class DkimSignTest {
    static final long T = 1_780_000_000L;

    @TempDir
    static Path tmp;

    static DkimKey rsa;
    static DkimKey ed;
    static Map<String, String> dns = new HashMap<>();

    @BeforeAll
    static void keys() throws Exception {
        rsa = key("example.test", "rsa1", "RSA", 2048);
        ed = key("example.test", "ed1", "Ed25519", 0);
    }

    static DkimKey key(String domain, String selector, String alg, int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
        if (bits > 0) g.initialize(bits);
        KeyPair p = g.generateKeyPair();
        String pem = QmailDkimKeygen.pem("PRIVATE KEY", p.getPrivate().getEncoded())
                + QmailDkimKeygen.pem("PUBLIC KEY", p.getPublic().getEncoded());
        DkimKey k = DkimKey.parse(domain, selector, pem);
        dns.put(selector + "._domainkey." + domain, DkimKey.dnsRecord(k.algorithm(), p.getPublic()));
        return k;
    }

    static DkimSigner.Result sign(String message, DkimKey... keys) throws Exception {
        MessageScan scan = MessageScan.of(new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)));
        try {
            return DkimSigner.sign(scan, DkimKeys.of(List.of(keys)), T);
        } finally {
            scan.release();
        }
    }

    static String verify(String queueForm) throws Exception {
        return PyDkim.verify(tmp, PyDkim.wire(queueForm), dns);
    }

    static final String TRICKY = """
            Received: from x by y; Thu, 3 Dec 2026 16:00:00 +0000
            From: "Alice, A." <alice@Example.TEST>
            To: bob@elsewhere.test,
            \tcarol@elsewhere.test
            Subject:   a  folded
               subject\t\s
            Date: Thu, 3 Dec 2026 16:00:00 +0000
            Message-ID: <1@example.test>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=us-ascii
            List-Id: <l.example.test>
            X-Not-Signed: x

            line with trailing space\s\s
            \tleading tab  and   runs\t
             \s
            .a dot line

            last text line


            \s\t

            """;

    @Test
    void rsaSignatureVerifies() throws Exception {
        DkimSigner.Result r = sign(TRICKY, rsa);
        assertThat(r.summary()).isEqualTo("signed d=example.test s=rsa1 a=rsa-sha256");
        String signed = r.fields() + TRICKY;
        assertThat(verify(signed)).isEqualTo("pass");
        String f = r.fields();
        assertThat(f).startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test;")
                .contains("s=rsa1;", "t=" + T + ";").endsWith("\n");
        for (String line : f.split("\n")) assertThat(line.length()).isLessThanOrEqualTo(DkimSigner.WIDTH);
        for (String line : f.substring(f.indexOf('\n') + 1).split("\n")) assertThat(line).startsWith("\t");
        // b= fills its lines: 344 characters of RSA-2048 signature make 3 lines of 78 and a rest.
        String[] b = f.substring(f.indexOf("\tb=")).split("\n");
        assertThat(b).hasSize(5);
        for (int i = 0; i < b.length - 1; i++) assertThat(b[i]).hasSize(DkimSigner.WIDTH);
        assertThat(String.join("", b).replace("\t", "")).matches("b=[A-Za-z0-9+/]{342}==");
        String h = f.replaceAll("(?s).*?[ \t]h=([^;]*);.*", "$1").replace("\n\t", "");
        assertThat(h).isEqualTo("from:from:reply-to:sender:to:to:cc:subject:subject:date:date:message-id:message-id"
                + ":in-reply-to:references:mime-version:mime-version:content-type:content-type"
                + ":content-transfer-encoding:list-id");
    }

    @Test
    void ed25519SignatureVerifies() throws Exception {
        DkimSigner.Result r = sign(TRICKY, ed);
        assertThat(r.summary()).isEqualTo("signed d=example.test s=ed1 a=ed25519-sha256");
        assertThat(r.fields()).contains("a=ed25519-sha256;");
        assertThat(verify(r.fields() + TRICKY)).isEqualTo("pass");
    }

    @Test
    void bothKeysOfADomainSignInSelectorOrder() throws Exception {
        DkimSigner.Result r = sign(TRICKY, rsa, ed);
        assertThat(r.summary()).isEqualTo("signed d=example.test s=ed1 a=ed25519-sha256, d=example.test s=rsa1 a=rsa-sha256");
        assertThat(verify(r.fields() + TRICKY)).isEqualTo("pass pass");
    }

    @Test
    void changesInTransitFailVerification() throws Exception {
        String signed = sign(TRICKY, rsa).fields() + TRICKY;
        assertThat(verify(signed.replace("last text line", "last text lime"))).isEqualTo("fail");
        assertThat(verify(signed.replace("Subject:", "Subject: [list]"))).isEqualTo("fail");
        // Oversigned: a second From: added on top is not signed and breaks the signature.
        assertThat(verify(signed.replace("Received:", "From: mallory@evil.test\nReceived:"))).isEqualTo("fail");
        // What relaxed canonicalization forgives: whitespace changes, refolding, more empty lines at the end.
        String reformatted = signed.replace("Subject:   a  folded\n   subject", "subject: a folded subject")
                .replace("last text line\n", "last  text line \n") + "\n\n";
        assertThat(verify(reformatted)).isEqualTo("pass");
        // Fields not signed may be added.
        assertThat(verify("Received: from z by y\n" + signed)).isEqualTo("pass");
    }

    @Test
    void relaxedBodyHashMatchesPythonDkimOnEdgeCases() throws Exception {
        List<String> bodies = List.of("", "\n", "\n\n\n", "a", "a\n", "a\n\n\n", " \t \n", "a \t\n \n\t\n",
                "  lead\n", "x  \t  y\n", "a\n \nb\n", "\n\nmiddle\n\n", "trailing tab\t\n", "\u00e9t\u00e9 \u00fc\n",
                "cr\r\nin line\n", "line\n\t\n \n\n");
        List<String> ours = new ArrayList<>();
        for (String b : bodies) ours.add(Base64.getEncoder().encodeToString(Relaxed.bodyHash(b)));
        assertThat(ours).isEqualTo(PyDkim.bodyHashes(tmp, bodies));
        // RFC 6376 3.4.4: an empty body (or only empty lines) hashes as the empty string.
        assertThat(ours.get(0)).isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").isEqualTo(ours.get(2));
    }

    @Test
    void bodyHashIsTheSameWhateverTheChunking() {
        String body = "a  b \t\n\n c\t\n\n\n";
        byte[] whole = Relaxed.bodyHash(body);
        byte[] x = body.getBytes(StandardCharsets.ISO_8859_1);
        Relaxed.Body one = new Relaxed.Body();
        for (int i = 0; i < x.length; i++) one.update(x, i, 1);
        assertThat(one.hash()).isEqualTo(whole);
    }

    @Test
    void relaxedHeaders() {
        assertThat(Relaxed.header("SubJect \t: \t hello \n\t  world  \t")).isEqualTo("subject:hello world");
        assertThat(Relaxed.header("To:a@b,\n c@d")).isEqualTo("to:a@b, c@d");
        assertThat(Relaxed.header("X-Empty:   ")).isEqualTo("x-empty:");
    }

    @Test
    void fromDomains() {
        assertThat(FromDomain.of(" \"Smith, J. <x@y>\" <j@Mail.Example.TEST.>")).contains("mail.example.test");
        assertThat(FromDomain.of(" j@example.test (Jo <Smith>)")).contains("example.test");
        assertThat(FromDomain.of(" Jo\n\t<j@example.test>")).contains("example.test");
        assertThat(FromDomain.of(" a@one.test, b@two.test")).isEmpty();
        assertThat(FromDomain.of(" undisclosed-recipients:;")).isEmpty();
        assertThat(FromDomain.of(" j@[127.0.0.1]")).isEmpty();
        assertThat(FromDomain.of(" nobody")).isEmpty();
        assertThat(FromDomain.of(" <j@example.test")).isEmpty();
    }

    @Test
    void unsignedWhenThereIsNoKeyOrNoFromDomain() throws Exception {
        assertThat(sign("From: a@other.test\n\nx\n", rsa).summary()).isEqualTo("not signed: no key for other.test");
        assertThat(sign("To: a@example.test\n\nx\n", rsa).summary()).isEqualTo("not signed: no From: field");
        assertThat(sign("From: a@example.test\nFrom: b@example.test\n\nx\n", rsa).summary())
                .isEqualTo("not signed: more than one From: field");
        assertThat(sign("From: a@example.test, b@example.test\n\nx\n", rsa).signed()).isFalse();
        assertThat(sign("From a@example.test Thu Dec 3\nFrom: a@example.test\n\nx\n", rsa).summary())
                .startsWith("not signed: a header line is not a field");
    }

    @Test
    void aParentDomainsKeySignsForItsSubdomains() throws Exception {
        String m = "From: news@lists.example.test\nSubject: s\n\nbody\n";
        DkimSigner.Result r = sign(m, rsa);
        assertThat(r.summary()).isEqualTo("signed d=example.test s=rsa1 a=rsa-sha256");
        assertThat(verify(r.fields() + m)).isEqualTo("pass");
        assertThat(sign("From: x@notexample.test\n\nb\n", rsa).signed()).isFalse();
    }

    @Test
    void headerSectionOverTheCapIsSentUnsigned() throws Exception {
        String big = "From: a@example.test\n" + "X-Big: " + "y".repeat(MessageScan.MAX_HEADER) + "\n\nbody\n";
        DkimSigner.Result r = sign(big, rsa);
        assertThat(r.summary()).isEqualTo("not signed: header section over 1048576 bytes");
        // Just under the cap signs.
        String fits = "From: a@example.test\n" + "X-Big: " + "y".repeat(MessageScan.MAX_HEADER - 100) + "\n\nbody\n";
        assertThat(sign(fits, rsa).signed()).isTrue();
    }

    @Test
    void onlyTheSignedFieldsAreKeptAndTheirMemoryComesFromOneBudget() throws Exception {
        long before = MessageScan.available();
        String big = "From: a@example.test\nTo: " + "x@elsewhere.test, ".repeat(50_000) + "\nX-Big: "
                + "y".repeat(100_000) + "\n\nbody\n";
        MessageScan first = MessageScan.of(new ByteArrayInputStream(big.getBytes(StandardCharsets.ISO_8859_1)));
        assertThat(first.ok()).isTrue();
        assertThat(first.fields()).extracting(MessageScan::name).containsExactly("From", "To");
        assertThat(first.charged()).isBetween(900_000L * MessageScan.COPIES, 910_000L * MessageScan.COPIES);
        assertThat(MessageScan.available()).isEqualTo(before - first.charged());
        // A second big one while the first is held: the delivery fails for now (qmail-remote defers it).
        String second = "From: a@example.test\nCc: " + "c".repeat(200_000) + "\n\nbody\n";
        SignedMessage m = new SignedMessage(Source.source(second), DkimKeys.of(List.of(rsa)), () -> T);
        org.assertj.core.api.Assertions.assertThatThrownBy(m::open).isInstanceOf(MessageScan.BudgetExceeded.class);
        assertThat(MessageScan.available()).isEqualTo(before - first.charged());
        first.release();
        assertThat(MessageScan.available()).isEqualTo(before);
        SignedMessage again = new SignedMessage(Source.source(second), DkimKeys.of(List.of(rsa)), () -> T);
        String signed = new String(again.open().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(verify(signed)).isEqualTo("pass");
        assertThat(MessageScan.available()).isEqualTo(before);
    }

    /** A message source over a string, readable again and again. */
    static final class Source {
        static org.qmailj.remote.MessageSource source(String text) {
            byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
            return new org.qmailj.remote.MessageSource() {
                public java.io.InputStream open() { return new ByteArrayInputStream(b); }
                public boolean has8bit() { return false; }
            };
        }
    }

    @Test
    void aMessageWithoutBodyOrWithoutHeadersSigns() throws Exception {
        String noBody = "From: a@example.test\nSubject: nothing\n";
        assertThat(verify(sign(noBody, rsa).fields() + noBody)).isEqualTo("pass");
        String emptyBody = "From: a@example.test\n\n";
        assertThat(verify(sign(emptyBody, ed).fields() + emptyBody)).isEqualTo("pass");
    }

    @Test
    void aMessageThatCannotBeReadTwiceGoesOutUnsignedAndAsItIs() throws Exception {
        byte[] m = "From: a@example.test\n\nbody\n".getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayInputStream once = new ByteArrayInputStream(m);
        SignedMessage s = new SignedMessage(new org.qmailj.remote.MessageSource() {
            public java.io.InputStream open() { return once; }
            public boolean has8bit() { return false; }
            public boolean rereadable() { return false; }
        }, DkimKeys.of(List.of(rsa)), () -> T);
        assertThat(s.open().readAllBytes()).isEqualTo(m);
        assertThat(s.result().summary()).isEqualTo("not signed: the message cannot be read twice (a pipe)");
    }

    @Test
    void theSignatureIsMadeOnceAndPutBeforeEachReading() throws Exception {
        byte[] m = "From: a@example.test\n\nbody\n".getBytes(StandardCharsets.ISO_8859_1);
        int[] opens = {0};
        SignedMessage s = new SignedMessage(new org.qmailj.remote.MessageSource() {
            public java.io.InputStream open() { opens[0]++; return new ByteArrayInputStream(m); }
            public boolean has8bit() { return false; }
        }, DkimKeys.of(List.of(ed)), () -> T);
        String first = new String(s.open().readAllBytes(), StandardCharsets.ISO_8859_1);
        String second = new String(s.open().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(first).isEqualTo(second).startsWith("DKIM-Signature: v=1; a=ed25519-sha256;").endsWith("\nFrom: a@example.test\n\nbody\n");
        assertThat(opens[0]).isEqualTo(3); // one pass to sign, one per reading
        assertThat(verify(first)).isEqualTo("pass");
    }
}
