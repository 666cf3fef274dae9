package org.qmailj.common.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GetoptTest {
    /** Every option as "letter" or "letter=arg", then "|" and the rest. */
    static String parse(String spec, String... args) throws Args.UsageException {
        Getopt g = new Getopt(args, spec);
        List<String> seen = new ArrayList<>();
        int c;
        while ((c = g.next()) != -1) seen.add(g.arg() == null ? String.valueOf((char) c) : (char) c + "=" + g.arg());
        return String.join(",", seen) + "|" + String.join(" ", g.rest());
    }

    @Test
    void likeUcspiTcp() throws Exception {
        assertThat(parse("vRHc:x:", "-vRH", "-c40", "-x", "rules.cdb", "0", "25", "prog", "-v"))
                .isEqualTo("v,R,H,c=40,x=rules.cdb|0 25 prog -v");
        assertThat(parse("vc:", "-vc", "7", "host")).isEqualTo("v,c=7|host");
        assertThat(parse("v", "--", "-v")).isEqualTo("|-v");
        assertThat(parse("v", "-", "x")).isEqualTo("|- x");
        assertThat(parse("v")).isEqualTo("|");
        assertThat(parse("t:", "-t", "")).isEqualTo("t=|");
    }

    @Test
    void errors() {
        assertThatThrownBy(() -> parse("v", "-q")).hasMessage("illegal option -- q");
        assertThatThrownBy(() -> parse("c:", "-c")).hasMessage("option requires an argument -- c");
        assertThatThrownBy(() -> parse("v:", "-:")).hasMessage("illegal option -- :");
    }
}
