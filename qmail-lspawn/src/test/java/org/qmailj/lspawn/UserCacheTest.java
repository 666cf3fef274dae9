package org.qmailj.lspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailHome;
import org.qmailj.common.users.LocalUsers;
import org.qmailj.common.users.Nughde;

/** qmail-lspawn's remembered user lookups see every change of users/cdb and of passwd. */
class UserCacheTest {
    @TempDir
    Path root;
    Path passwd;
    UserCache cache;

    /** No account is named like this, so qmail-getpw's rules give the alias user. */
    static final String NOBODY = "qhl-nosuch-acct";

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(root.resolve("users"));
        Files.createDirectories(root.resolve("lib"));
        ids(7790);
        passwd = Files.writeString(root.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n");
        cache = new UserCache(new LocalUsers(new QmailHome(root), false, true), passwd);
    }

    void ids(int alias) throws Exception {
        Files.writeString(root.resolve("lib/ids"), "alias:" + alias + ":2108\nqmaild:1:1\nqmaill:2:2\nroot:0:0\n"
                + "qmailp:3:3\nqmailq:4:4\nqmailr:5:5\nqmails:6:6\nnofiles:7\nqmail:8\n");
    }

    void assign(String text) throws Exception {
        Files.writeString(root.resolve("users/assign"), text, StandardCharsets.ISO_8859_1);
        QmailNewu.build(root.resolve("users"));
    }

    @Test
    void aUsersCdbChangeIsSeenByTheNextLookup() throws Exception {
        assign("=joe:joe:507:100:/home/joe:::\n.\n");
        assertThat(cache.lookup("joe")).isEqualTo(new Nughde("joe", 507, 100, "/home/joe", "", ""));
        assign("=joe:joe:508:100:/home/joe2:::\n.\n");
        assertThat(cache.lookup("joe")).isEqualTo(new Nughde("joe", 508, 100, "/home/joe2", "", ""));
        Files.delete(root.resolve("users/cdb"));
        assertThat(cache.lookup("joe").uid()).isEqualTo(7790); // no users/cdb: the alias user
        assign("=" + NOBODY + ":n:9:9:/h:::\n.\n"); // a users/cdb appears
        assertThat(cache.lookup(NOBODY)).isEqualTo(new Nughde("n", 9, 9, "/h", "", ""));
    }

    @Test
    void aUsersCdbAnswerStaysThroughPasswdChangesAndGoesWithUsersCdb() throws Exception {
        assign("=joe:joe:507:100:/home/joe:::\n.\n");
        assertThat(cache.lookup("joe").uid()).isEqualTo(507);
        Path next = Files.writeString(root.resolve("passwd.new"), "root:x:0:0::/root:/bin/sh\njoe:x:1:1::/:/bin/sh\n");
        Files.move(next, passwd, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(cache.lookup("joe").uid()).isEqualTo(507); // users/cdb comes first, as in qmail
        assertThat(cache.lookup(NOBODY).uid()).isEqualTo(7790); // not in users/cdb: passwd rules
        assign("=" + NOBODY + ":n:9:9:/h:::\n.\n");
        assertThat(cache.lookup("joe").uid()).as("joe left users/cdb; passwd's joe has no home we own")
                .isNotEqualTo(507);
        assertThat(cache.lookup(NOBODY)).isEqualTo(new Nughde("n", 9, 9, "/h", "", ""));
    }

    @Test
    void anAnswerIsRememberedUntilPasswdChanges() throws Exception {
        Nughde first = cache.lookup(NOBODY);
        assertThat(first.uid()).isEqualTo(7790);
        assertThat(first.ext()).isEqualTo(NOBODY);
        // lib/ids is read with the answer (C qmail compiles its ids in): the answer stays ...
        ids(7791);
        assertThat(cache.lookup(NOBODY).uid()).isEqualTo(7790);
        // ... until passwd is replaced, which drops every remembered answer.
        Path next = Files.writeString(root.resolve("passwd.new"), "root:x:0:0::/root:/bin/sh\nx:x:1:1::/:/bin/sh\n");
        Files.move(next, passwd, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(cache.lookup(NOBODY).uid()).isEqualTo(7791);
    }
}
