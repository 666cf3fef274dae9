package org.qmailj.common.address;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qmailj.common.address.RecipientRewriter.Channel;
import org.qmailj.common.address.RecipientRewriter.Rewritten;

class RecipientRewriterTest {
    private final RecipientRewriter rw = new RecipientRewriter(
            ConstMap.ofKeys(List.of("example.com", "localhost")),
            ConstMap.ofKeys(List.of("example.com", "gw.example")),
            ConstMap.ofColonLines(List.of(
                    "nowhere.mil:joeBREAKfoo",
                    "Virt.Example:first",
                    "virt.example:second",
                    ".fax:uucpBREAKfax",
                    "except.fax:",
                    "joe@single.example:joeuser",
                    "no colon line")),
            "envnoat.example");

    private static Rewritten local(String a) { return new Rewritten(Channel.LOCAL, a); }
    private static Rewritten remote(String a) { return new Rewritten(Channel.REMOTE, a); }

    @Test
    void localsAreLocalCaseInsensitively() {
        assertThat(rw.rewrite("Me@EXAMPLE.com")).isEqualTo(local("Me@EXAMPLE.com"));
        assertThat(rw.rewrite("you@elsewhere.org")).isEqualTo(remote("you@elsewhere.org"));
    }

    @Test
    void noAtGetsEnvnoathost() {
        assertThat(rw.rewrite("bob")).isEqualTo(remote("bob@envnoat.example"));
    }

    @Test
    void percentHackRepeats() {
        assertThat(rw.rewrite("u%other.org@example.com")).isEqualTo(remote("u@other.org"));
        assertThat(rw.rewrite("u%localhost%gw.example@example.com")).isEqualTo(local("u@localhost"));
        assertThat(rw.rewrite("u%x.org@notlisted.org")).isEqualTo(remote("u%x.org@notlisted.org"));
        assertThat(rw.rewrite("plain@example.com")).isEqualTo(local("plain@example.com"));
    }

    @Test
    void virtualDomainsUsersWildcardsAndExceptions() {
        assertThat(rw.rewrite("info@nowhere.mil")).isEqualTo(local("joeBREAKfoo-info@nowhere.mil"));
        assertThat(rw.rewrite("x@virt.example")).isEqualTo(local("second-x@virt.example"));
        assertThat(rw.rewrite("x@a.b.fax")).isEqualTo(local("uucpBREAKfax-x@a.b.fax"));
        assertThat(rw.rewrite("x@except.fax")).isEqualTo(remote("x@except.fax"));
        assertThat(rw.rewrite("joe@single.example")).isEqualTo(local("joeuser-joe@single.example"));
        assertThat(rw.rewrite("other@single.example")).isEqualTo(remote("other@single.example"));
    }

    @Test
    void emptyKeyCatchesAll() {
        RecipientRewriter catchAll = new RecipientRewriter(ConstMap.ofKeys(List.of("me.example")), ConstMap.ofKeys(List.of()),
                ConstMap.ofColonLines(List.of(":aliasBREAKcatchall", "keep.example:")), "me.example");
        assertThat(catchAll.rewrite("a@any.where")).isEqualTo(local("aliasBREAKcatchall-a@any.where"));
        assertThat(catchAll.rewrite("a@keep.example")).isEqualTo(remote("a@keep.example"));
        assertThat(catchAll.rewrite("a@me.example")).isEqualTo(local("a@me.example"));
    }

    @Test
    void addressSplitsAtLastAt() {
        Address a = Address.parse("\"a@b\"@Host.Example");
        assertThat(a.local()).isEqualTo("\"a@b\"");
        assertThat(a.domainKey()).isEqualTo("host.example");
        assertThat(Address.parse("nobody").hasDomain()).isFalse();
        assertThat(Address.parse("nobody").withDefaultDomain("h").toString()).isEqualTo("nobody@h");
    }
}
