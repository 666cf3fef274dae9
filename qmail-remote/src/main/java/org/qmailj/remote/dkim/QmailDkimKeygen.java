package org.qmailj.remote.dkim;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.cli.Args;
import org.qmailj.common.cli.Getopt;
import org.qmailj.common.sys.Proc;

/**
 * qmail-dkimkeygen - make a DKIM signing key for qmail-remote and print its DNS record.
 *
 * <p>{@code qmail-dkimkeygen [ -t rsa|ed25519 ] [ -b bits ] domain selector} writes a new key
 * pair to {@code QMAILHOME/control/dkim/domain.selector} (the private key as PEM PKCS#8, then
 * the public key), mode 0640, group qmailr's group when run as root (qmail-remote runs as
 * qmailr and must read it; no one else may), and prints the TXT record to publish, in zone
 * file syntax. RSA keys have 2048 bits unless -b says otherwise (1024 to 4096).
 * {@code qmail-dkimkeygen -p domain selector} prints the record of the existing key again.
 * It never overwrites a key. Exit 0; 100 for a usage error or an existing key; 111 when it
 * cannot write.
 */
public final class QmailDkimKeygen {
    private static final String USAGE = "qmail-dkimkeygen: usage: qmail-dkimkeygen [ -t rsa|ed25519 ] [ -b bits ] [ -p ] domain selector\n";
    private static final String FATAL = "qmail-dkimkeygen: fatal: ";

    private QmailDkimKeygen() {
    }

    public static void main(String[] args) {
        Exit.now(run(args, QmailHome.current(), System.out, System.err));
    }

    public static int run(String[] args, QmailHome home, PrintStream out, PrintStream err) {
        String type = "rsa";
        int bits = 2048;
        boolean print = false;
        List<String> rest;
        try {
            Getopt g = new Getopt(args, "t:b:p");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 't' -> type = g.arg().toLowerCase(Locale.ROOT);
                    case 'b' -> bits = Integer.parseInt(g.arg());
                    case 'p' -> print = true;
                    default -> throw new Args.UsageException("unknown option");
                }
            }
            rest = g.rest();
        } catch (Args.UsageException | NumberFormatException e) {
            err.print(USAGE);
            return Exit.HARD;
        }
        if (rest.size() != 2 || !(type.equals("rsa") || type.equals("ed25519"))) {
            err.print(USAGE);
            return Exit.HARD;
        }
        String domain = rest.get(0).toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) domain = domain.substring(0, domain.length() - 1);
        String selector = rest.get(1);
        if (!DkimKeys.DOMAIN.matcher(domain).matches()) return die(err, Exit.HARD, "not a domain name: " + rest.get(0));
        if (!DkimKeys.SELECTOR.matcher(selector).matches())
            return die(err, Exit.HARD, "not a selector (letters, digits, - and _): " + selector);
        if (type.equals("rsa") && (bits < DkimKey.MIN_RSA_BITS || bits > 4096))
            return die(err, Exit.HARD, "RSA keys have 1024 to 4096 bits");

        Path dir = home.control().file("dkim");
        Path file = dir.resolve(domain + "." + selector);
        if (print) return print(file, domain, selector, out, err);
        if (Files.exists(file))
            return die(err, Exit.HARD, file + " exists: remove it first, or print its record with -p");

        KeyPair pair;
        DkimKey.Algorithm alg = type.equals("rsa") ? DkimKey.Algorithm.RSA_SHA256 : DkimKey.Algorithm.ED25519_SHA256;
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance(type.equals("rsa") ? "RSA" : "Ed25519");
            if (type.equals("rsa")) gen.initialize(bits);
            pair = gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            return die(err, Exit.SOFT, "unable to make a key: " + e.getMessage());
        }
        String pem = pem("PRIVATE KEY", pair.getPrivate().getEncoded()) + pem("PUBLIC KEY", pair.getPublic().getEncoded());
        try {
            write(home, dir, file, pem);
        } catch (FileAlreadyExistsException e) {
            return die(err, Exit.HARD, file + " exists: remove it first, or print its record with -p");
        } catch (IOException e) {
            return die(err, Exit.SOFT, "unable to write " + file + ": " + e.getMessage());
        }
        out.print(record(domain, selector, alg, pair.getPublic()));
        out.flush();
        return Exit.OK;
    }

    private static int print(Path file, String domain, String selector, PrintStream out, PrintStream err) {
        DkimKey key;
        try {
            key = DkimKey.parse(domain, selector, Files.readString(file, StandardCharsets.ISO_8859_1));
        } catch (NoSuchFileException e) {
            return die(err, Exit.HARD, file + " does not exist");
        } catch (IOException e) {
            return die(err, Exit.SOFT, "unable to read " + file + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            return die(err, Exit.HARD, file + ": not a usable DKIM key: " + e.getMessage());
        }
        if (key.publicKey().isEmpty())
            return die(err, Exit.HARD, file + " has no PUBLIC KEY block to print (an Ed25519 key made elsewhere)");
        out.print(record(domain, selector, key.algorithm(), key.publicKey().get()));
        out.flush();
        return Exit.OK;
    }

    /** The zone file line; the text in strings of at most 255 bytes, as TXT character-strings are. */
    static String record(String domain, String selector, DkimKey.Algorithm alg, PublicKey pub) {
        String text = DkimKey.dnsRecord(alg, pub);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < text.length(); i += 255) parts.add("\"" + text.substring(i, Math.min(text.length(), i + 255)) + "\"");
        return selector + "._domainkey." + domain + ". IN TXT " + String.join(" ", parts) + "\n";
    }

    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /**
     * Writes the key under a temporary name, private until it is complete, then gives it its
     * group and links it into place (never over an existing key).
     */
    private static void write(QmailHome home, Path dir, Path file, String pem) throws IOException {
        int gid = -1;
        if (Proc.geteuid() == 0) gid = QmailIds.read(home).userGid("qmailr");
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp" + ProcessHandle.current().pid());
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, pem, StandardCharsets.ISO_8859_1);
            if (gid >= 0) Files.setAttribute(tmp, "unix:gid", gid);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r-----"));
            Files.createLink(file, tmp); // fails, rather than replace, when the key exists
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static int die(PrintStream err, int code, String message) {
        err.print(FATAL + message + "\n");
        err.flush();
        return code;
    }
}
