package org.qmailj.lspawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.qmailj.common.users.LookupFailure;
import org.qmailj.common.users.Nughde;
import org.qmailj.common.users.UsersCdb;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.cdb.Cdb;

/** qmail-newu's users/cdb and qmail-lspawn's lookup in it, with qmail-users(5)'s example. */
class UsersAssignTest {
    @TempDir
    Path users;

    void assign(String text) throws Exception {
        Files.writeString(users.resolve("assign"), text, StandardCharsets.ISO_8859_1);
        QmailNewu.build(users);
    }

    Optional<Nughde> find(String local) throws LookupFailure {
        return UsersCdb.lookup(users.resolve("cdb"), local);
    }

    @Test
    void manPageExampleMoreSpecificWildcardsAndExactEntriesWin() throws Exception {
        assign("+:alias:7790:2108:/var/qmail/alias:-::\n"
                + "+joe-:joe:507:100:/home/joe:-::\n"
                + "=joe:joe:507:100:/home/joe:::\n.\n");
        assertThat(find("joe")).contains(new Nughde("joe", 507, 100, "/home/joe", "", ""));
        assertThat(find("JOE")).contains(new Nughde("joe", 507, 100, "/home/joe", "", ""));
        assertThat(find("joe-Direct")).contains(new Nughde("joe", 507, 100, "/home/joe", "-", "Direct"));
        assertThat(find("bill")).contains(new Nughde("alias", 7790, 2108, "/var/qmail/alias", "-", "bill"));
    }

    @Test
    void cdbBytesAreNetqmails() throws Exception {
        assign("=a.b:u:1:2:/h:-:x:\n+list-:u:1:2:/h:-:pre-:\n+x:u:1:2:/h:::\n.\n");
        Cdb cdb = Cdb.open(users.resolve("cdb"));
        assertThat(new String(cdb.find("!a.b\0").orElseThrow(), StandardCharsets.ISO_8859_1)).isEqualTo("u\0" + "1\0" + "2\0/h\0-\0x\0");
        assertThat(new String(cdb.find("!list-").orElseThrow(), StandardCharsets.ISO_8859_1)).isEqualTo("u\0" + "1\0" + "2\0/h\0-\0pre-");
        assertThat(new String(cdb.find("").orElseThrow(), StandardCharsets.ISO_8859_1)).isEqualTo("-x");
        assertThat(find("list-Foo-bar")).contains(new Nughde("u", 1, 2, "/h", "-", "pre-Foo-bar"));
        assertThat(find("xyz")).contains(new Nughde("u", 1, 2, "/h", "", "yz"));
    }

    /** qmail folds ASCII only: a Latin-1 capital is another letter, not its lower case. */
    @Test
    void caseFoldingIsAsciiOnly() throws Exception {
        assign("=\u00e9mile:emile:1:1:/h:::\n=ann:ann:2:2:/h2:::\n.\n");
        assertThat(find("\u00e9mile")).contains(new Nughde("emile", 1, 1, "/h", "", ""));
        assertThat(find("\u00c9mile")).isEmpty();
        assertThat(find("ANN")).contains(new Nughde("ann", 2, 2, "/h2", "", ""));
        assertThat(org.qmailj.local.DotQmail.safeExt("Foo.\u00c9t\u00c9")).isEqualTo("foo:\u00c9t\u00c9");
    }

    @Test
    void unlistedAddressesAndMissingCdbAreEmpty() throws Exception {
        assertThat(find("joe")).isEmpty();
        assign("=joe:joe:1:1:/h:::\n.\n");
        assertThat(find("joey")).isEmpty();
    }

    @Test
    void badAssignFilesLeaveTheCdbAlone() throws Exception {
        assign("=joe:joe:1:1:/h:::\n.\n");
        byte[] before = Files.readAllBytes(users.resolve("cdb"));
        for (String bad : new String[] {"=joe:joe:1:1:/h:::\n", "=joe:joe:x:1:/h:::\n.\n", "joe:joe:1:1:/h:::\n.\n",
                "=joe:joe:1:1:/h::\n.\n"}) {
            Files.writeString(users.resolve("assign"), bad);
            assertThatThrownBy(() -> QmailNewu.build(users)).isInstanceOf(QmailNewu.NewuException.class);
            assertThat(Files.readAllBytes(users.resolve("cdb"))).isEqualTo(before);
        }
        assertThat(users.resolve("cdb.tmp")).doesNotExist();
    }

    @Test
    void pw2uFollowsQmailGetpwRules() throws Exception {
        Path home = Files.createDirectories(users.resolve("h"));
        int me = (Integer) Files.getAttribute(home, "unix:uid");
        if (me == 0) { // as root: give the home to a nonzero uid, as qmail-pw2u skips uid 0
            me = 4242;
            Files.setAttribute(home, "unix:uid", me);
        }
        String passwd = "root:x:0:0:r:/root:/bin/sh\n"
                + "Upper:x:" + me + ":5:u:" + home + ":/bin/sh\n"
                + "nohome:x:" + me + ":5:u:" + users.resolve("missing") + ":/bin/sh\n"
                + "me:x:" + me + ":5:u:" + home + ":/bin/sh\n"
                + "other:x:" + (me + 1) + ":5:u:" + home + ":/bin/sh\n";
        String out = QmailPw2u.convert(passwd, QmailPw2u.parseOptions(new String[0]), users);
        assertThat(out).isEqualTo("=me:me:" + me + ":5:" + home + ":::\n+me-:me:" + me + ":5:" + home + ":-::\n.\n");
        out = QmailPw2u.convert(passwd, QmailPw2u.parseOptions(new String[] {"-H", "-u", "-C"}), users);
        assertThat(out).contains("=Upper:Upper:", "=nohome:", "=other:").doesNotContain("+", "root");
        Files.writeString(users.resolve("mailnames"), "me:joe.user:ju\n");
        Files.writeString(users.resolve("subusers"), "sub:me:pre:\n");
        Files.writeString(users.resolve("append"), "=extra:me:1:1:/x:::\n");
        out = QmailPw2u.convert(passwd, QmailPw2u.parseOptions(new String[] {"-c", "+"}), users);
        assertThat(out).isEqualTo("=joe.user:me:" + me + ":5:" + home + ":::\n+joe.user+:me:" + me + ":5:" + home + ":-::\n"
                + "=ju:me:" + me + ":5:" + home + ":::\n+ju+:me:" + me + ":5:" + home + ":-::\n"
                + "=sub:me:" + me + ":5:" + home + ":-:pre:\n+sub+:me:" + me + ":5:" + home + ":-:pre-:\n"
                + "=extra:me:1:1:/x:::\n.\n");
        // the output is a valid assign file
        Files.writeString(users.resolve("assign"), out);
        QmailNewu.build(users);
        assertThat(find("sub+x")).contains(new Nughde("me", me, 5, home.toString(), "-", "pre-x"));
    }

    @Test
    void reportsMapExitCodesAsFormatsMdSays() {
        assertThat(org.qmailj.local.LocalExit.report(0, "did 1+0+0\n")).isEqualTo("Kdid 1+0+0\n");
        for (int z : new int[] {111, 71, 74, 75}) assertThat(org.qmailj.local.LocalExit.report(z, "x\0y")).isEqualTo("Zx");
        for (int d : new int[] {100, 1, 99, 64}) assertThat(org.qmailj.local.LocalExit.report(d, "t")).isEqualTo("Dt");
        assertThat(org.qmailj.local.LocalExit.report(104, "t")).isEqualTo("ZUnable to find alias user!\n");
        assertThat(org.qmailj.local.LocalExit.report(110, "t")).isEqualTo("DUnable to run qmail-local.\n");
    }

}
