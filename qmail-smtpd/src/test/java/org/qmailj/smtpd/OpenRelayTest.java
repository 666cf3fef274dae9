package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The open-relay suite: relay attempts in every disguise. Without RELAYCLIENT each is
 * either refused with 553 or accepted for a recipient whose domain (after the last @) is in
 * rcpthosts, or that has no domain: a local address, never a relay. With RELAYCLIENT all
 * are accepted.
 */
class OpenRelayTest {
    @TempDir
    Path dir;

    static final String NOGW = "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n";

    /** {address as sent, expected recipient when accepted, or null when it must be refused}. */
    static final String[][] ATTEMPTS = {
        {"<victim@elsewhere.example>", null},
        {"victim@elsewhere.example", null},
        {"<victim%elsewhere.example@test.example>", "victim%elsewhere.example@test.example"},
        {"<victim%test.example@elsewhere.example>", null},
        {"<elsewhere.example!victim@test.example>", "elsewhere.example!victim@test.example"},
        {"<elsewhere.example!victim>", "elsewhere.example!victim"},
        {"<\"victim@elsewhere.example\">", null},
        {"<\"victim@elsewhere.example\"@test.example>", "victim@elsewhere.example@test.example"},
        {"<victim@elsewhere.example@test.example>", "victim@elsewhere.example@test.example"},
        {"<victim@test.example@elsewhere.example>", null},
        {"<victim@[192.0.2.1]>", null},
        {"<victim@[127.0.0.1]>", "victim@test.example"},
        {"<@test.example:victim@elsewhere.example>", null},
        {"<@test.example,@x.example:victim@elsewhere.example>", null},
        {"<victim@elsewhere.example.>", null},
        {"<victim@test.example.>", null},
        {"<victim@test.example.elsewhere.example>", null},
        {"<victim@elsewheretest.example>", null},
        {"<victim@TEST.EXAMPLE>", "victim@TEST.EXAMPLE"},
        {"<victim\\@elsewhere.example>", null},
        {"<victim@elsewhere.example\\>@test.example>", "victim@elsewhere.example>@test.example"},
        {"<victim@elsewhere.example> @test.example", null},
    };

    @Test
    void refusedUnlessLocal() throws Exception {
        TestHome h = new TestHome(dir).control("rcpthosts", "test.example");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<spammer@example.net>\r\n").reply();
            for (String[] a : ATTEMPTS) {
                String reply = c.send("RCPT TO:" + a[0] + "\r\n").reply();
                assertThat(reply).as(a[0]).isEqualTo(a[1] == null ? NOGW : "250 ok\r\n");
            }
            c.send("DATA\r\n").reply();
            assertThat(c.send(".\r\n").reply()).startsWith("250 ok");
        }
        StringBuilder env = new StringBuilder("Fspammer@example.net\0");
        for (String[] a : ATTEMPTS) if (a[1] != null) env.append('T').append(a[1]).append('\0');
        assertThat(h.queued().get(0).envelope()).isEqualTo(env + "\0");
        // Every accepted recipient is local: its domain is in rcpthosts, or it has none.
        for (String r : h.queued().get(0).envelope().split("\0")) {
            if (!r.startsWith("T")) continue;
            int at = r.lastIndexOf('@');
            assertThat(at < 0 || r.substring(at + 1).equalsIgnoreCase("test.example")).as(r).isTrue();
        }
    }

    @Test
    void relayclientAllowsAll() throws Exception {
        TestHome h = new TestHome(dir).control("rcpthosts", "test.example");
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env("RELAYCLIENT", "")); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<friend@example.net>\r\n").reply();
            for (String[] a : ATTEMPTS) {
                assertThat(c.send("RCPT TO:" + a[0] + "\r\n").reply()).as(a[0]).isEqualTo("250 ok\r\n");
            }
        }
        assertThat(List.of(ATTEMPTS)).isNotEmpty();
    }
}
