package org.qmailj.showctl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAKey;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.control.ControlFile;
import org.qmailj.common.tls.Pem;
import org.qmailj.remote.TlsDestinations;
import org.qmailj.remote.TlsPolicy;
import org.qmailj.remote.dkim.DkimKey;
import org.qmailj.remote.dkim.DkimKeys;

/**
 * The control files of STARTTLS, AUTH and DKIM (not netqmail's; the TLS patch's names where
 * it has them), explained as qmail-showctl explains the others. Keys are parsed to say what
 * they are; no byte of a key is ever printed.
 */
final class TlsControls {
    /** qmail-remote's DkimKeys rules for a key file name. */
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private final QmailHome home;
    private final Path control;
    private final StringBuilder out;

    TlsControls(QmailHome home, Path control, StringBuilder out) {
        this.home = home;
        this.control = control;
        this.out = out;
    }

    /** control/authprogram: qmail-smtpd's checkpassword command line. */
    void authprogram() {
        out.append("\nauthprogram: ");
        try {
            Optional<String> v = ControlFile.readLine(control.resolve("authprogram"));
            if (v.isEmpty() || v.get().isBlank()) {
                out.append("(Default.) No checkpassword program: SMTP AUTH only where $AUTHPROGRAM is set.\n");
                return;
            }
            String line = v.get().strip();
            out.append("SMTP AUTH (inside TLS) checks passwords with ").append(QmailShowctl.printable(line)).append(".\n");
            String program = line.split("\\s+")[0];
            if (program.startsWith("/") && !Files.isExecutable(Path.of(program))) {
                out.append("Oops! ").append(QmailShowctl.printable(program)).append(" is not an executable file: every AUTH fails.\n");
            }
        } catch (ControlException e) {
            out.append("Oops! Trouble reading this file.\n");
        }
    }

    /** control/dkim: qmail-remote's signing keys, one DOMAIN.SELECTOR file each. */
    void dkim() {
        Path dir = control.resolve("dkim");
        out.append("\ndkim: ");
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.exists(dir)) {
            out.append("(Default.) No DKIM keys: outgoing mail is not signed.\n");
            return;
        }
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        } catch (IOException e) {
            out.append("Oops! Trouble reading this directory: every remote delivery defers.\n");
            return;
        }
        out.append("\n");
        int keys = 0;
        for (String name : names) {
            DkimKeys.Name n = DkimKeys.Name.of(name);
            if (n == DkimKeys.Name.IGNORED) {
                out.append(QmailShowctl.printable(name)).append(": ignored (not DOMAIN.SELECTOR).\n");
                continue;
            }
            out.append(QmailShowctl.printable(name)).append(": ");
            if (n == DkimKeys.Name.BAD) {
                out.append("Oops! Not DOMAIN.SELECTOR (a selector is letters, digits, - and _): every remote delivery defers.\n");
                continue;
            }
            String domain = n.domain();
            String selector = n.selector();
            Optional<String> problem = Optional.empty();
            String what = "";
            try {
                // qmail-remote's own parser: what it refuses, this reports.
                DkimKey key = DkimKey.parse(domain, selector, Files.readString(dir.resolve(name), StandardCharsets.ISO_8859_1));
                what = describe(key.key());
            } catch (IOException e) {
                problem = Optional.of("trouble reading this file");
            } catch (GeneralSecurityException e) {
                problem = Optional.of(e.getMessage() == null ? "not a usable key" : e.getMessage());
            }
            if (problem.isPresent()) {
                out.append("Oops! ").append(what.isEmpty() ? "" : what + ", ").append(QmailShowctl.printable(problem.get()))
                        .append(": every remote delivery defers.\n");
                continue;
            }
            keys++;
            out.append(what).append(" key: mail from ").append(domain).append(" (and its subdomains without keys) is signed with selector ")
                    .append(selector).append(".\n");
        }
        if (keys == 0 && names.stream().allMatch(n -> n.startsWith(".") || n.indexOf('.') < 0)) {
            out.append("No DKIM keys: outgoing mail is not signed.\n");
        }
    }


    /** control/servercert.pem: qmail-smtpd's key and certificate chain. */
    void servercert() {
        Path file = control.resolve("servercert.pem");
        out.append("\nservercert.pem: ");
        if (!Files.exists(file)) {
            out.append("(Default.) No certificate: qmail-smtpd does not offer STARTTLS.\n");
            return;
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            out.append("Oops! Trouble reading this file.\n");
            return;
        }
        Pem pem;
        try {
            pem = Pem.parse(text);
        } catch (GeneralSecurityException | RuntimeException e) {
            out.append("Oops! Not usable (").append(QmailShowctl.printable(String.valueOf(e.getMessage())))
                    .append("): qmail-smtpd does not offer STARTTLS.\n");
            return;
        }
        out.append("\n");
        X509Certificate cert = pem.chain().getFirst();
        out.append("Certificate subject: ").append(QmailShowctl.printable(cert.getSubjectX500Principal().getName())).append(".\n");
        out.append("Certificate issuer: ").append(QmailShowctl.printable(cert.getIssuerX500Principal().getName())).append(".\n");
        out.append("Certificate valid until: ").append(DATE.format(cert.getNotAfter().toInstant()));
        out.append(cert.getNotAfter().getTime() < System.currentTimeMillis() ? " (Oops! expired)" : "").append(".\n");
        if (pem.chain().size() > 1) out.append("Issuer certificates: ").append(pem.chain().size() - 1).append(".\n");
        boolean matches;
        try {
            pem.checkKeyMatches();
            matches = true;
        } catch (GeneralSecurityException | RuntimeException e) {
            matches = false;
        }
        out.append("Private key: ").append(describe(pem.key()))
                .append(matches ? ", matches the certificate.\n" : ", Oops! does not match the certificate: qmail-smtpd does not offer STARTTLS.\n");
        out.append("Readable by qmaild: ").append(readableByQmaild(file)).append(".\n");
    }

    /** control/tlsserverciphers: one OpenSSL cipher list line. */
    void tlsserverciphers() {
        out.append("\ntlsserverciphers: ");
        try {
            Optional<String> v = ControlFile.readLine(control.resolve("tlsserverciphers"));
            if (v.isEmpty() || v.get().isBlank()) out.append("(Default.) qmail-smtpd uses the JDK's default TLS ciphers.\n");
            else out.append("qmail-smtpd's TLS 1.2 ciphers (OpenSSL names, keywords ignored): ").append(QmailShowctl.printable(v.get())).append(".\n");
        } catch (ControlException e) {
            out.append("Oops! Trouble reading this file.\n");
        }
    }

    /** control/tlsdestinations: qmail-remote's TLS policy per host, as TlsDestinations reads it. */
    void tlsdestinations() {
        out.append("\ntlsdestinations: ");
        Optional<List<String>> v;
        try {
            v = ControlFile.readList(control.resolve("tlsdestinations"));
        } catch (ControlException e) {
            out.append("Oops! Trouble reading this file.\n");
            return;
        }
        if (v.isEmpty()) {
            out.append("(Default.) qmail-remote uses STARTTLS whenever the server offers it, any certificate.\n");
            return;
        }
        out.append("\n");
        for (String line : v.get()) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            out.append(QmailShowctl.printable(line)).append(": ").append(destination(line)).append("\n");
        }
    }

    /** One line as qmail-remote reads it (TlsDestinations.entry), in words. */
    private String destination(String line) {
        Optional<TlsDestinations.Entry> e = TlsDestinations.entry(line, control);
        if (e.isEmpty()) return line.startsWith("!") ? "Ignored (no host)." : "Ignored (not host:cafile or !host).";
        String host = who(e.get().host());
        TlsPolicy p = e.get().policy();
        if (p.mode() == TlsPolicy.Mode.SKIP) return "Never STARTTLS with " + host + ".";
        List<String> extra = new ArrayList<>();
        if (!p.ciphers().isEmpty()) extra.add("ciphers " + String.join(",", p.ciphers()));
        if (p.verifyDepth() > 0) extra.add("at most " + p.verifyDepth() + " issuer certificates");
        String tail = extra.isEmpty() ? "" : "; " + String.join("; ", extra);
        if (p.mode() == TlsPolicy.Mode.REQUIRE) return "TLS required with " + host + ", certificate not checked" + tail + ".";
        if (p.cafile() == null) return "TLS required with " + host + ", certificate verified against the JDK trust store" + tail + ".";
        String state = Files.isReadable(p.cafile()) ? "" : " (Oops! " + p.cafile() + " is not readable: deliveries defer)";
        return "TLS required with " + host + ", certificate verified against " + p.cafile() + state + tail + ".";
    }

    private static String who(String host) {
        if (host.equals("*")) return "every host";
        if (host.startsWith(".")) return "every host under " + host.substring(1);
        return host;
    }

    /** "RSA 2048 bits", "EC 256 bits", "Ed25519". */
    private static String describe(PrivateKey key) {
        if (key instanceof RSAKey r) return key.getAlgorithm() + " " + r.getModulus().bitLength() + " bits";
        if (key instanceof ECKey e) return "EC " + e.getParams().getOrder().bitLength() + " bits";
        if (key instanceof EdECKey e) return e.getParams().getName();
        return key.getAlgorithm();
    }

    /** Whether qmaild, as tcpserver -u QMAILDUID -g NOFILESGID runs it, may read the file. */
    private String readableByQmaild(Path file) {
        int uid;
        int gid;
        try {
            QmailIds ids = QmailIds.read(home);
            uid = ids.uid("qmaild");
            gid = ids.gid("nofiles");
        } catch (IOException | RuntimeException e) {
            return "unknown (no lib/ids)";
        }
        try {
            int owner = (Integer) Files.getAttribute(file, "unix:uid");
            int group = (Integer) Files.getAttribute(file, "unix:gid");
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            boolean ok = uid == 0 || (owner == uid ? (mode & 0400) != 0 : group == gid ? (mode & 040) != 0 : (mode & 04) != 0);
            return ok ? "yes" : "Oops! no (uid " + uid + ", gid " + gid + "; file " + owner + ":" + group + " mode "
                    + String.format("%04o", mode & 07777) + "): qmail-smtpd does not offer STARTTLS";
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
