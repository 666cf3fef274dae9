package org.qmailj.remote.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailHome;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.sys.Proc;
import org.qmailj.testing.Cmd;

/** qmail-dkimkeygen, the key files qmail-remote accepts, and a 50 MB message signed in a 32 MB heap. */
class DkimKeygenAndBigMessageTest {
    @TempDir
    Path home;

    record Run(int exit, String out, String err) {
    }

    Run keygen(String... args) throws IOException {
        Files.createDirectories(home.resolve("lib"));
        if (!Files.exists(home.resolve("lib/ids"))) Files.writeString(home.resolve("lib/ids"), "qmailr:12345:54321\nqmail:54321\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = QmailDkimKeygen.run(args, new QmailHome(home), new PrintStream(out, true, StandardCharsets.ISO_8859_1),
                new PrintStream(err, true, StandardCharsets.ISO_8859_1));
        return new Run(code, out.toString(StandardCharsets.ISO_8859_1), err.toString(StandardCharsets.ISO_8859_1));
    }

    /** The zone file line's name and its character-strings joined, as a resolver returns them. */
    static Map.Entry<String, String> parseRecord(String line) {
        Matcher m = Pattern.compile("^(\\S+)\\. IN TXT ((?:\"[^\"]*\" ?)+)\n$").matcher(line);
        assertThat(m.matches()).as(line).isTrue();
        return Map.entry(m.group(1), m.group(2).replaceAll("\"\\s*\"", "").replace("\"", ""));
    }

    @Test
    void makesAKeyPrintsItsRecordAndNeverOverwritesIt() throws Exception {
        Run r = keygen("-t", "ed25519", "Example.TEST", "ed1");
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        Map.Entry<String, String> rec = parseRecord(r.out());
        assertThat(rec.getKey()).isEqualTo("ed1._domainkey.example.test");
        assertThat(rec.getValue()).matches("v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=");
        Path key = home.resolve("control/dkim/example.test.ed1");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-r-----");
        if (Proc.geteuid() == 0) assertThat(Files.getAttribute(key, "unix:gid")).isEqualTo(54321);
        try (var files = Files.list(home.resolve("control/dkim"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("example.test.ed1");
        }
        byte[] before = Files.readAllBytes(key);

        Run again = keygen("-t", "ed25519", "example.test", "ed1");
        assertThat(again.exit()).isEqualTo(100);
        assertThat(again.err()).isEqualTo("qmail-dkimkeygen: fatal: " + key + " exists: remove it first, or print its record with -p\n");
        assertThat(Files.readAllBytes(key)).isEqualTo(before);

        assertThat(keygen("-p", "example.test", "ed1").out()).isEqualTo(r.out());

        Run rsa = keygen("-b", "1024", "example.test", "rsa1");
        assertThat(rsa.exit()).isZero();
        Map.Entry<String, String> rsaRec = parseRecord(rsa.out());
        assertThat(rsaRec.getValue()).startsWith("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ");
        assertThat(keygen("-p", "example.test", "rsa1").out()).isEqualTo(rsa.out());
        Run rsa2048 = keygen("example.test", "big");
        assertThat(rsa2048.out()).contains("\" \""); // 392 characters: two TXT strings

        DkimKeys keys = DkimKeys.load(home.resolve("control/dkim"));
        assertThat(keys.forDomain("example.test")).extracting(k -> k.selector() + " " + k.algorithm().tag)
                .containsExactly("big rsa-sha256", "ed1 ed25519-sha256", "rsa1 rsa-sha256");
    }

    @Test
    void keysAreParsedAgainOnlyWhenTheirFileChanges() throws Exception {
        assertThat(keygen("-t", "ed25519", "example.test", "k1").exit()).isZero();
        Path dir = home.resolve("control/dkim");
        DkimKey first = DkimKeys.load(dir).forDomain("example.test").getFirst();
        assertThat(DkimKeys.load(dir).forDomain("example.test").getFirst()).isSameAs(first);
        // Replaced by another key (a new file): the new one is read.
        Files.delete(dir.resolve("example.test.k1"));
        assertThat(DkimKeys.load(dir).isEmpty()).isTrue();
        assertThat(keygen("-t", "ed25519", "example.test", "k1").exit()).isZero();
        DkimKey second = DkimKeys.load(dir).forDomain("example.test").getFirst();
        assertThat(second).isNotSameAs(first);
        assertThat(second.publicKey().get().getEncoded()).isNotEqualTo(first.publicKey().get().getEncoded());
        // Overwritten in place with something else: noticed too.
        Files.writeString(dir.resolve("example.test.k1"), "junk\n");
        assertThatThrownBy(() -> DkimKeys.load(dir)).isInstanceOf(ControlException.class);
    }

    @Test
    void usageErrors() throws Exception {
        String usage = "qmail-dkimkeygen: usage: qmail-dkimkeygen [ -t rsa|ed25519 ] [ -b bits ] [ -p ] domain selector\n";
        assertThat(keygen("example.test")).isEqualTo(new Run(100, "", usage));
        assertThat(keygen("-t", "dsa", "example.test", "s")).isEqualTo(new Run(100, "", usage));
        assertThat(keygen("-b", "512", "example.test", "s").err()).isEqualTo("qmail-dkimkeygen: fatal: RSA keys have 1024 to 4096 bits\n");
        assertThat(keygen("example.test", "a.b").err()).startsWith("qmail-dkimkeygen: fatal: not a selector");
        assertThat(keygen("exa mple", "s").err()).startsWith("qmail-dkimkeygen: fatal: not a domain name");
        assertThat(Files.exists(home.resolve("control/dkim"))).isFalse();
    }

    @Test
    void keysMadeByOpensslAreAcceptedAndBadFilesMakeTheControlsUnreadable() throws Exception {
        Path dir = Files.createDirectories(home.resolve("dkim"));
        assertThat(Cmd.run(List.of("openssl", "genpkey", "-algorithm", "ed25519", "-out", dir.resolve("example.test.o1").toString())).exit()).isZero();
        assertThat(Cmd.run(List.of("openssl", "genpkey", "-algorithm", "rsa", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", dir.resolve("example.test.o2").toString())).exit()).isZero();
        Files.writeString(dir.resolve(".example.test.tmp123"), "half written");
        Files.writeString(dir.resolve("README"), "no dot: not a key");
        assertThat(DkimKeys.load(dir).forDomain("example.test")).extracting(k -> k.algorithm().tag)
                .containsExactly("ed25519-sha256", "rsa-sha256");
        assertThat(DkimKeys.load(home.resolve("nonexistent")).isEmpty()).isTrue();

        Path pkcs1 = home.resolve("pkcs1");
        assertThat(Cmd.run(List.of("openssl", "genrsa", "-traditional", "-out", pkcs1.toString(), "2048")).exit()).isZero();
        Files.copy(pkcs1, dir.resolve("example.test.old"));
        assertThatThrownBy(() -> DkimKeys.load(dir)).isInstanceOf(ControlException.class)
                .hasMessageContaining("example.test.old: not a usable DKIM key: a PKCS#1 RSA key: convert it with openssl pkcs8 -topk8 -nocrypt");
        Files.delete(dir.resolve("example.test.old"));
        Files.writeString(dir.resolve("example.test.junk"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> DkimKeys.load(dir)).isInstanceOf(ControlException.class)
                .hasMessageContaining("example.test.junk: not a usable DKIM key");
        Files.delete(dir.resolve("example.test.junk"));
        Files.copy(dir.resolve("example.test.o1"), dir.resolve("example.test.bad+sel"));
        assertThatThrownBy(() -> DkimKeys.load(dir)).isInstanceOf(ControlException.class)
                .hasMessageContaining("example.test.bad+sel: not DOMAIN.SELECTOR");
    }

    @Test
    void aFiftyMegabyteMessageSignsInA32MegabyteHeap() throws Exception {
        assertThat(keygen("-t", "ed25519", "example.test", "ed1").exit()).isZero();
        Run rsa = keygen("example.test", "rsa1");
        Run ed = keygen("-p", "example.test", "ed1");
        Path mess = home.resolve("mess");
        try (BufferedWriter w = Files.newBufferedWriter(mess, StandardCharsets.ISO_8859_1)) {
            w.write("From: Big <big@example.test>\nTo: x@elsewhere.test\nSubject: fifty megabytes\n\n");
            String line = "0123456789 abcdefghijklmnopqrstuvwxyz  \t ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,;:!?-_=+ end \t\n";
            for (long n = 0; n < 50L * 1024 * 1024; n += line.length()) w.write(line);
            w.write("\n\n \n");
        }
        assertThat(Files.size(mess)).isGreaterThan(50L * 1024 * 1024);
        Path wire = home.resolve("wire");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                BigSign.class.getName(), home.resolve("control/dkim").toString(), mess.toString(), wire.toString());
        Cmd.Result r = Cmd.run(cmd, Map.of(), home, new byte[0], 120);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("signed d=example.test s=ed1 a=ed25519-sha256, d=example.test s=rsa1 a=rsa-sha256\n");
        Map<String, String> dns = Map.ofEntries(parseRecord(rsa.out()), parseRecord(ed.out()));
        assertThat(PyDkim.verify(home, Files.readAllBytes(wire), dns)).isEqualTo("pass pass");
    }
}
