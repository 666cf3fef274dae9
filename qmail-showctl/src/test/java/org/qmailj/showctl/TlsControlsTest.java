package org.qmailj.showctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.testing.Cmd;

/**
 * qmail-showctl on the STARTTLS, AUTH and DKIM control files: servercert.pem, tlsserverciphers,
 * authprogram, tlsdestinations and control/dkim, with keys and certificates openssl makes at
 * test time. Every explanation line is checked exactly, and no byte of a key may show.
 */
class TlsControlsTest {
    /** qmaild in lib/ids: not the running user, so only "other" permission bits let it read. */
    private static final int QMAILD = 2_000_000_000;
    private static final int NOFILES = 2_000_000_001;

    @TempDir Path root;
    @TempDir Path keys;
    private Path control;

    @BeforeEach
    void home() throws IOException {
        control = root.resolve("control");
        Files.createDirectories(control);
        Files.writeString(control.resolve("me"), "localhost\n");
        writeIds(NOFILES);
    }

    private void writeIds(int nofiles) throws IOException {
        StringBuilder ids = new StringBuilder();
        for (String user : QmailIds.USERS) ids.append(user).append(':').append(user.equals("qmaild") ? QMAILD : 0).append(":0\n");
        ids.append("nofiles:").append(nofiles).append("\nqmail:0\n");
        Files.createDirectories(root.resolve("lib"));
        Files.writeString(root.resolve("lib/ids"), ids);
    }

    private String showctl() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        new QmailShowctl(control).run(new QmailHome(root), new PrintStream(b, true, StandardCharsets.ISO_8859_1));
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static void openssl(String... args) throws IOException {
        Cmd.Result r = Cmd.run(List.of(args), Map.of("PATH", System.getenv("PATH")), null, new byte[0], 60);
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    private Path key(String name, String... genpkey) throws IOException {
        Path k = keys.resolve(name);
        String[] cmd = new String[genpkey.length + 4];
        cmd[0] = "openssl";
        cmd[1] = "genpkey";
        System.arraycopy(genpkey, 0, cmd, 2, genpkey.length);
        cmd[cmd.length - 2] = "-out";
        cmd[cmd.length - 1] = k.toString();
        openssl(cmd);
        return k;
    }

    private Path certificate(Path key, String subject) throws IOException {
        Path c = keys.resolve(key.getFileName() + ".crt");
        openssl("openssl", "req", "-x509", "-new", "-key", key.toString(), "-out", c.toString(), "-days", "30", "-subj", subject);
        return c;
    }

    /** openssl's notAfter of {@code crt} as showctl prints it. */
    private static String notAfter(Path crt) throws IOException {
        Cmd.Result r = Cmd.run(List.of("openssl", "x509", "-in", crt.toString(), "-noout", "-enddate"),
                Map.of("PATH", System.getenv("PATH")), null, new byte[0], 60);
        String s = r.out().strip().substring("notAfter=".length()).replaceAll(" +", " ");
        ZonedDateTime t = ZonedDateTime.parse(s, DateTimeFormatter.ofPattern("MMM d HH:mm:ss yyyy z", Locale.ROOT));
        return t.withZoneSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'"));
    }

    /** The base64 lines of every key in {@code pem}: none may appear in showctl's output. */
    private static List<String> keyLines(Path pem) throws IOException {
        String text = Files.readString(pem);
        return text.lines().filter(l -> !l.startsWith("-----") && l.length() > 20).toList();
    }

    @Test
    void withoutTheFilesEachSaysWhatHappens() {
        assertThat(showctl()).contains(
                "\nauthprogram: (Default.) No checkpassword program: SMTP AUTH only where $AUTHPROGRAM is set.\n",
                "\ndkim: (Default.) No DKIM keys: outgoing mail is not signed.\n",
                "\nservercert.pem: (Default.) No certificate: qmail-smtpd does not offer STARTTLS.\n",
                "\ntlsdestinations: (Default.) qmail-remote uses STARTTLS whenever the server offers it, any certificate.\n",
                "\ntlsserverciphers: (Default.) qmail-smtpd uses the JDK's default TLS ciphers.\n")
                .doesNotContain("I have no idea what this file does");
    }

    @Test
    void servercertShowsSubjectExpiryKeyAndWhetherQmaildMayReadIt() throws IOException {
        Path key = key("ec.key", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1");
        Path crt = certificate(key, "/CN=mx.example.org/O=Example");
        Path pem = control.resolve("servercert.pem");
        Files.writeString(pem, Files.readString(key) + Files.readString(crt));
        Files.setAttribute(pem, "unix:mode", 0644);
        String expected = """

                servercert.pem:\s
                Certificate subject: O=Example,CN=mx.example.org.
                Certificate issuer: O=Example,CN=mx.example.org.
                Certificate valid until: %s.
                Private key: EC 256 bits, matches the certificate.
                Readable by qmaild: yes.
                """.formatted(notAfter(crt));
        String out = showctl();
        assertThat(out).contains(expected).doesNotContain("I have no idea what this file does");
        for (String line : keyLines(key)) assertThat(out).doesNotContain(line);

        // Owned by someone else than qmaild, group not nofiles: 0640 keeps qmaild out.
        Files.setAttribute(pem, "unix:mode", 0640);
        int owner = (Integer) Files.getAttribute(pem, "unix:uid");
        int group = (Integer) Files.getAttribute(pem, "unix:gid");
        assertThat(showctl()).contains("\nReadable by qmaild: Oops! no (uid " + QMAILD + ", gid " + NOFILES + "; file " + owner + ":" + group
                + " mode 0640): qmail-smtpd does not offer STARTTLS.\n");
        // The file's group is nofiles (as a root install makes it): group read suffices.
        writeIds(group);
        assertThat(showctl()).contains("\nReadable by qmaild: yes.\n");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsFlagged() throws IOException {
        Path key = key("rsa.key", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        Path other = key("other.key", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        Path crt = certificate(other, "/CN=other.example");
        Files.writeString(control.resolve("servercert.pem"), Files.readString(crt) + Files.readString(key));
        String out = showctl();
        assertThat(out).contains("\nCertificate subject: CN=other.example.\n",
                "\nPrivate key: RSA 2048 bits, Oops! does not match the certificate: qmail-smtpd does not offer STARTTLS.\n");
        for (String line : keyLines(key)) assertThat(out).doesNotContain(line);

        Files.writeString(control.resolve("servercert.pem"), Files.readString(crt));
        assertThat(showctl()).contains(
                "\nservercert.pem: Oops! Not usable (no private key in the PEM file): qmail-smtpd does not offer STARTTLS.\n");
    }

    @Test
    void ciphersAndAuthprogram() throws IOException {
        Files.writeString(control.resolve("tlsserverciphers"), "ECDHE-RSA-AES256-GCM-SHA384:HIGH:!aNULL\n");
        Path prog = root.resolve("checkpassword");
        Files.writeString(prog, "#!/bin/sh\nexit 1\n");
        Files.setAttribute(prog, "unix:mode", 0755);
        Files.writeString(control.resolve("authprogram"), prog + " /bin/true\n");
        assertThat(showctl()).contains(
                "\ntlsserverciphers: qmail-smtpd's TLS 1.2 ciphers (OpenSSL names, keywords ignored): ECDHE-RSA-AES256-GCM-SHA384:HIGH:!aNULL.\n",
                "\nauthprogram: SMTP AUTH (inside TLS) checks passwords with " + prog + " /bin/true.\n")
                .doesNotContain("Oops").doesNotContain("I have no idea what this file does");
        Files.setAttribute(prog, "unix:mode", 0644);
        assertThat(showctl()).contains("\nauthprogram: SMTP AUTH (inside TLS) checks passwords with " + prog + " /bin/true.\nOops! "
                + prog + " is not an executable file: every AUTH fails.\n");
    }

    @Test
    void tlsdestinationsEachLineExplained() throws IOException {
        Files.writeString(control.resolve("ca.pem"), "x\n");
        Files.writeString(control.resolve("tlsdestinations"), """
                # comment
                mx.example.com:ca.pem:TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256:2
                .example.net:-
                relay.example:
                *:none
                !broken.example
                lost.example:/no/such/ca.pem
                no colon here
                """);
        assertThat(showctl()).contains("""

                tlsdestinations:\s
                mx.example.com:ca.pem:TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256:2: TLS required with mx.example.com, certificate verified against %s; ciphers TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256; at most 2 issuer certificates.
                .example.net:-: TLS required with every host under example.net, certificate verified against the JDK trust store.
                relay.example:: TLS required with relay.example, certificate verified against the JDK trust store.
                *:none: TLS required with every host, certificate not checked.
                !broken.example: Never STARTTLS with broken.example.
                lost.example:/no/such/ca.pem: TLS required with lost.example, certificate verified against /no/such/ca.pem (Oops! /no/such/ca.pem is not readable: deliveries defer).
                no colon here: Ignored (not host:cafile or !host).
                """.formatted(control.resolve("ca.pem")));
    }

    @Test
    void dkimKeysListedWithTypeAndSizeNeverTheKey() throws IOException {
        Path dkim = control.resolve("dkim");
        Files.createDirectories(dkim);
        Path rsa = key("dkim-rsa", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        Path ed = key("dkim-ed", "-algorithm", "ed25519");
        Files.copy(rsa, dkim.resolve("example.org.s2026"));
        Files.copy(ed, dkim.resolve("example.org.s2026e"));
        Files.writeString(dkim.resolve(".example.org.tmp"), "half written\n");
        String out = showctl();
        assertThat(out).contains("""

                dkim:\s
                .example.org.tmp: ignored (not DOMAIN.SELECTOR).
                example.org.s2026: RSA 2048 bits key: mail from example.org (and its subdomains without keys) is signed with selector s2026.
                example.org.s2026e: Ed25519 key: mail from example.org (and its subdomains without keys) is signed with selector s2026e.

                """).doesNotContain("I have no idea what this file does");
        for (String line : keyLines(rsa)) assertThat(out).doesNotContain(line);

        Path small = key("dkim-small", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512");
        Files.copy(small, dkim.resolve("example.com.small"));
        openssl("openssl", "genrsa", "-traditional", "-out", dkim.resolve("example.net.old").toString(), "2048");
        Files.writeString(dkim.resolve("Bad!Name.sel"), "x\n");
        assertThat(showctl()).contains(
                "\nBad!Name.sel: Oops! Not DOMAIN.SELECTOR (a selector is letters, digits, - and _): every remote delivery defers.\n",
                "\nexample.com.small: Oops! an RSA key of 512 bits (at least 1024): every remote delivery defers.\n",
                "\nexample.net.old: Oops! a PKCS#1 RSA key: convert it with openssl pkcs8 -topk8 -nocrypt: every remote delivery defers.\n");
    }
}
