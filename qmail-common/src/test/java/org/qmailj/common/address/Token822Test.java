package org.qmailj.common.address;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** token822_parse + token822_addrlist as qmail-inject and qreceipt read address fields. */
class Token822Test {
    @Test
    void addressesLeftToRightUnquoted() {
        assertThat(Token822.addresses(" a@b.c, Joe (the) Q <joe@x.y>,\n  \"x y\"@z (c), <>, lone"))
                .contains(List.of("a@b.c", "joe@x.y", "x y@z", "", "lone"));
        assertThat(Token822.addresses(" list: m1@l, m2@l;, A <@r1,@r2:e@f>, g@[1.2.3.4]"))
                .contains(List.of("m1@l", "m2@l", "@r1,@r2:e@f", "g@[1.2.3.4]")); // a route is the caller's to strip
        // Two words with only a space between: two addresses, as qmail reads them.
        assertThat(Token822.addresses(" djb fred")).contains(List.of("djb", "fred"));
        assertThat(Token822.addresses("")).contains(List.of());
        // ')' and ']' inside an atom are part of it.
        assertThat(Token822.addresses(" a)b@c")).contains(List.of("a)b@c"));
    }

    @Test
    void whatQmailRefuses() {
        for (String v : List.of(" \"open", " (open", " (a (b)", " [1.2", " \"a\\", " ) a", " ] a", " a@b>", " g: a@b",
                " a; b;")) {
            assertThat(Token822.addresses(v)).as(v).isEmpty();
        }
    }
}
