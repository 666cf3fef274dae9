package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;

/** mailsubj(1): Subject and To in front of the body, then qmail-inject's rewriting and queueing. */
class MailsubjTest {
    @TempDir Path dir;
    TestHome t;
    final Clock clock = Clock.fixed(Instant.parse("2026-11-29T10:45:07Z"), ZoneOffset.UTC);
    final CapturingClient queue = new CapturingClient();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    @BeforeEach
    void home() throws Exception {
        t = TestHome.sandbox(dir.resolve("home"));
        t.control("me", "mx.example.com\n");
        t.control("defaultdomain", "example.com\n");
    }

    int mailsubj(String body, String... args) {
        return Mailsubj.run(args, t.home, Map.of("USER", "joe"), new ByteArrayInputStream(bytes(body)),
                new ByteArrayOutputStream(), new PrintStream(stderr), queue, clock);
    }

    @Test
    void subjectAndRecipientsBecomeTheHeader() {
        assertThat(mailsubj("line one\nSubject: not a header\n", "weekly report", "alice", "bob@else.where"))
                .as(stderr.toString()).isZero();
        long pid = ProcessHandle.current().pid();
        assertThat(queue.text()).isEqualTo("Date: 29 Nov 2026 10:45:07 -0000\nMessage-ID: <20261129104507." + pid
                + ".qmail@mx.example.com>\nFrom: joe@mx.example.com\nSubject: weekly report\n"
                + "To: alice@mx.example.com, bob@else.where\n\nline one\nSubject: not a header\n");
        assertThat(queue.envelope).isEqualTo(new Envelope("joe@mx.example.com",
                List.of("alice@mx.example.com", "bob@else.where")));
    }

    @Test
    void noRecipientOrNoArgumentFails() {
        assertThat(mailsubj("body\n", "subject only")).isEqualTo(100);
        assertThat(stderr.toString()).isEqualTo("qmail-inject: fatal: no recipients\n");
        assertThat(queue.envelope).isNull();
        stderr.reset();
        assertThat(mailsubj("body\n")).isEqualTo(100);
        assertThat(stderr.toString()).isEqualTo("mailsubj: usage: mailsubj subject recip ...\n");
        // A recipient that does not parse is qmail-inject's severe syntax error.
        stderr.reset();
        assertThat(mailsubj("body\n", "s", "<bad")).isZero();
        stderr.reset();
        assertThat(mailsubj("body\n", "s", "bad>")).isEqualTo(100);
        assertThat(stderr.toString()).isEqualTo("qmail-inject: fatal: unable to parse this line:\nTo: bad>\n");
    }
}
