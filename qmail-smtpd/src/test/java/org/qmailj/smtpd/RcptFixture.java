package org.qmailj.smtpd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.qmailj.lspawn.QmailNewu;

/**
 * A QMAIL_HOME (on top of {@link TestHome}) with local users as qmail makes them: users/assign
 * compiled by qmail-newu, homes with .qmail files, the alias user's home, lib/ids, and
 * locals/rcpthosts/virtualdomains. Only users/cdb and the alias user are used, so no real
 * accounts are needed (the uids are made up and nonzero: delivery here runs in-process).
 *
 * <ul>
 *   <li>alice (exact and {@code alice-} wildcard): .qmail-lists, .qmail-a:b, .qmail-fwd-default,
 *       .qmail-dir (a directory, which qmail-local skips);
 *   <li>carol (exact and wildcard): .qmail-default;
 *   <li>dave (exact only, no wildcard): a bare name only;
 *   <li>ghost: a home that does not exist (qmail-local defers);
 *   <li>the alias user (lib/ids, QMAIL_HOME/alias): .qmail-qjpostmaster, .qmail-qjlist-default;
 *   <li>virt.example is a virtual domain of alice ({@code virt.example:alice}).
 * </ul>
 */
final class RcptFixture {
    static final String DOMAIN = "local.example";

    final TestHome test;
    final Path home;

    RcptFixture(Path dir) throws IOException {
        test = new TestHome(dir);
        home = test.root;
        Path homes = Files.createDirectories(dir.resolve("homes"));
        Path alice = user(homes, "alice");
        dotQmail(alice, "lists", "./Maildir/");
        dotQmail(alice, "a:b", "./Maildir/");
        dotQmail(alice, "fwd-default", "./Maildir/");
        Files.createDirectories(alice.resolve(".qmail-dir"));
        Path carol = user(homes, "carol");
        dotQmail(carol, "default", "./Maildir/");
        Path dave = user(homes, "dave");
        Path alias = user(home, "alias");
        dotQmail(alias, "qjpostmaster", "./Maildir/");
        dotQmail(alias, "qjlist-default", "./Maildir/");
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/ids"), "alias:7790:2108\nqmaild:7791:2107\nqmaill:7792:2107\n"
                + "root:0:0\nqmailp:7793:2107\nqmailq:7794:2107\nqmailr:7795:2107\nqmails:7796:2107\n"
                + "nofiles:2107\nqmail:2108\n");
        Files.createDirectories(home.resolve("users"));
        Files.writeString(home.resolve("users/assign"), String.join("\n", List.of(
                "=alice:alice:1001:1001:" + alice + ":::",
                "+alice-:alice:1001:1001:" + alice + ":-::",
                "=carol:carol:1003:1003:" + carol + ":::",
                "+carol-:carol:1003:1003:" + carol + ":-::",
                "=dave:dave:1004:1004:" + dave + ":::",
                "=ghost:ghost:1005:1005:" + homes.resolve("ghost") + ":::",
                "+ghost-:ghost:1005:1005:" + homes.resolve("ghost") + ":-::",
                ".", "")), StandardCharsets.ISO_8859_1);
        try {
            QmailNewu.build(home.resolve("users"));
        } catch (Exception e) {
            throw new IOException("qmail-newu: " + e.getMessage(), e);
        }
        test.control("me", DOMAIN);
        test.control("locals", DOMAIN);
        test.control("rcpthosts", DOMAIN + "\nvirt.example\nremote.example");
        test.control("virtualdomains", "virt.example:alice");
    }

    private static Path user(Path parent, String name) throws IOException {
        Path h = Files.createDirectories(parent.resolve(name));
        Files.setAttribute(h, "unix:mode", 0755);
        for (String d : List.of("Maildir/tmp", "Maildir/new", "Maildir/cur")) Files.createDirectories(h.resolve(d));
        return h;
    }

    private static void dotQmail(Path home, String ext, String line) throws IOException {
        Path f = home.resolve(".qmail-" + ext);
        Files.writeString(f, line + "\n");
        Files.setAttribute(f, "unix:mode", 0644);
    }
}
