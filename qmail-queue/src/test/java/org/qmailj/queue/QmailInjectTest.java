package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;
import static org.qmailj.queue.TestHome.str;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.sys.Proc;

/** qmail-inject's header rewriting (qmail-header(5), qmail-inject(8)) and the files it queues. */
class QmailInjectTest {
    @TempDir Path dir;
    TestHome t;
    final Clock clock = Clock.fixed(Instant.parse("2026-11-29T10:45:07Z"), ZoneOffset.UTC);
    final long pid = ProcessHandle.current().pid();
    final Map<String, String> env = new HashMap<>(Map.of("USER", "joe"));
    final CapturingClient queue = new CapturingClient();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    @BeforeEach
    void home() throws Exception {
        t = TestHome.sandbox(dir.resolve("home"));
        t.control("me", "mx.example.com\n");
        t.control("defaultdomain", "example.com\n");
        t.control("plusdomain", "example.org\n");
    }

    int inject(String message, String... args) {
        return QmailInject.run(args, t.home, env, new ByteArrayInputStream(bytes(message)), new ByteArrayOutputStream(),
                new PrintStream(stderr), queue, clock);
    }

    String print(String message, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] a = new String[args.length + 1];
        a[0] = "-n";
        System.arraycopy(args, 0, a, 1, args.length);
        assertThat(QmailInject.run(a, t.home, env, new ByteArrayInputStream(bytes(message)), out,
                new PrintStream(stderr), queue, clock)).isZero();
        return str(out.toByteArray());
    }

    String stamps() {
        return "Date: 29 Nov 2026 10:45:07 -0000\nMessage-ID: <20261129104507." + pid + ".qmail@mx.example.com>\n";
    }

    @Test
    void echoToRootQueuesQmailsFiles() throws Exception {
        env.put("USER", "root");
        try (WriterServer s = WriterServerTest.serve(t)) {
            int exit = QmailInject.run(new String[0], t.home, env, new ByteArrayInputStream(bytes("to: root\n")),
                    new ByteArrayOutputStream(), new PrintStream(stderr), new SocketQueueClient(s.socket()), clock);
            assertThat(exit).as(stderr.toString()).isZero();
        }
        long n = t.todo().getFirst();
        assertThat(str(t.mess(n))).matches("Received: \\(qmail " + pid + " invoked by uid " + Proc.getuid()
                + "\\); \\d+ [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d -0000\n"
                + java.util.regex.Pattern.quote(stamps() + "From: root@mx.example.com\nto: root@mx.example.com\n\n"));
        assertThat(str(Files.readAllBytes(t.queue.todo(n))))
                .isEqualTo("u" + Proc.getuid() + "\0p" + n + "\0Froot@mx.example.com\0Troot@mx.example.com\0");
        assertThat(t.files("pid")).isEmpty();
    }

    @Test
    void addsDateMessageIdFromAndRemovesBcc() {
        assertThat(inject("To: a\nBcc: b@x.y, c\nSubject: hi\n\nbody\n")).isZero();
        assertThat(queue.text()).isEqualTo(stamps() + "From: joe@mx.example.com\nTo: a@mx.example.com\nSubject: hi\n\nbody\n");
        assertThat(queue.envelope).isEqualTo(new Envelope("joe@mx.example.com",
                List.of("a@mx.example.com", "b@x.y", "c@mx.example.com")));
    }

    @Test
    void keepsGivenStampsAndAddsCcWhenNoToOrCc() {
        String m = "Date: 1 Jan 2000 00:00:00 -0000\nMessage-ID: <x@y>\nFrom: Me <me@there.org>\nBcc: z@q.r\n\nb\n";
        assertThat(print(m)).isEqualTo("Cc: recipient list not shown: ;\nDate: 1 Jan 2000 00:00:00 -0000\n"
                + "Message-ID: <x@y>\nFrom: Me <me@there.org>\n\nb\n");
    }

    @Test
    void hostRewriting() {
        t.home.root().resolve("control/defaulthost").toFile().delete();
        assertThat(print("To: djb@silverton, eric@mammoth.cs+, x@[1.2.3.4], lone\n\n"))
                .contains("To: djb@silverton.example.com, eric@mammoth.cs.example.org, x@[1.2.3.4], lone@mx.example.com\n");
        assertThat(print("Cc: djb fred\n\n")).contains("Cc: djb@mx.example.com, fred@mx.example.com\n");
        assertThat(print("To: A Person <@r1,@r2:e@f>, g@h (Somebody),\n   random group: i@j, k;\n\n"))
                .contains("To: A Person <e@f.example.com>, g@h.example.com (Somebody),\n"
                        + "   random group: i@j.example.com, k@mx.example.com;\n");
    }

    @Test
    void defaulthostPlusdomainIdhostControls() throws Exception {
        t.control("defaulthost", "shell\n");
        t.control("idhost", "ids.example.net\n");
        assertThat(print("To: a\n\n")).isEqualTo("Date: 29 Nov 2026 10:45:07 -0000\nMessage-ID: <20261129104507." + pid
                + ".qmail@ids.example.net>\nFrom: joe@shell.example.com\nTo: a@shell.example.com\n\n");
        t.control("defaulthost", "shell+\n");
        assertThat(print("To: a\n\n")).contains("To: a@shell.example.org\n");
        env.put("QMAILDEFAULTHOST", "h1");
        env.put("QMAILDEFAULTDOMAIN", "d1.test");
        env.put("QMAILPLUSDOMAIN", "p1.test");
        env.put("QMAILIDHOST", "i1.test");
        assertThat(print("To: a, b@c+\n\n")).contains("qmail@i1.test>").contains("To: a@h1.d1.test, b@c.p1.test\n");
    }

    @Test
    void environmentSetsFromAndSender() {
        env.put("QMAILUSER", "quser");
        env.put("MAILUSER", "muser");
        env.put("QMAILHOST", "qhost.test");
        env.put("QMAILNAME", "Q. User");
        assertThat(inject("To: a@b.c\n\n")).isZero();
        assertThat(queue.text()).contains("From: \"Q. User\" <quser@qhost.test>\n");
        assertThat(queue.envelope.sender()).isEqualTo("quser@qhost.test");
        env.put("QMAILSUSER", "bounces");
        env.put("QMAILSHOST", "b.test");
        env.put("QMAILINJECT", "c");
        env.put("QMAILNAME", "Plain Name");
        assertThat(inject("To: a@b.c\n\n")).isZero();
        assertThat(queue.text()).contains("From: quser@qhost.test (Plain Name)\n");
        assertThat(queue.envelope.sender()).isEqualTo("bounces@b.test");
        env.remove("QMAILUSER");
        env.remove("QMAILHOST");
        env.remove("QMAILSUSER");
        env.remove("QMAILINJECT");
        env.put("MAILHOST", "mhost.test");
        env.put("MAILNAME", "M");
        env.remove("QMAILNAME");
        assertThat(inject("To: a@b.c\n\n")).isZero();
        assertThat(queue.text()).contains("From: M <muser@mhost.test>\n");
        env.remove("MAILUSER");
        env.remove("USER");
        env.put("LOGNAME", "logn");
        assertThat(inject("To: a@b.c\n\n")).isZero();
        assertThat(queue.text()).contains("<logn@mhost.test>");
    }

    @Test
    void returnPathSetsTheSenderUnlessS() {
        assertThat(inject("Return-Path: <rp@x.y>\nTo: a@b.c\nContent-Length: 5\n\nbody\n")).isZero();
        assertThat(queue.envelope.sender()).isEqualTo("rp@x.y");
        assertThat(queue.text()).doesNotContain("Return-Path").doesNotContain("Content-Length");
        assertThat(inject("Return-Path: <>\nTo: a@b.c\n\n")).isZero();
        assertThat(queue.envelope.sender()).isEmpty();
        assertThat(inject("Return-Path: <rp@x.y>\nTo: a@b.c\n\n", "-f", "ff@g.h")).isZero();
        assertThat(queue.envelope.sender()).isEqualTo("ff@g.h");
        env.put("QMAILINJECT", "s");
        assertThat(inject("Return-Path: <rp@x.y>\nTo: a@b.c\n\n")).isZero();
        assertThat(queue.envelope.sender()).isEqualTo("joe@mx.example.com");
    }

    @Test
    void injectFlagsFIRM() {
        env.put("QMAILINJECT", "fi");
        assertThat(inject("From: x@y.z\nMessage-ID: <old@id>\nTo: a@b.c\n\n")).isZero();
        assertThat(queue.text()).isEqualTo(stamps() + "From: joe@mx.example.com\nTo: a@b.c\n\n");
        env.put("QMAILINJECT", "r");
        assertThat(inject("To: a@b.c\n\n")).isZero();
        assertThat(queue.envelope.sender()).isEqualTo("joe-@mx.example.com-@[]");
        env.put("QMAILINJECT", "m");
        assertThat(inject("To: a@b.c\n\n")).isZero();
        assertThat(queue.envelope.sender()).isEqualTo("joe-" + clock.instant().getEpochSecond() + "." + pid + "@mx.example.com");
    }

    @Test
    void recipientOptions() {
        String m = "To: h@x.y\n\n";
        assertThat(inject(m)).isZero();
        assertThat(queue.envelope.recipients()).containsExactly("h@x.y");
        assertThat(inject(m, "arg@x.y")).isZero();
        assertThat(queue.envelope.recipients()).containsExactly("arg@x.y");
        assertThat(inject(m, "-a", "arg")).isZero();
        assertThat(queue.envelope.recipients()).containsExactly("arg@mx.example.com");
        assertThat(inject(m, "-h", "arg@x.y")).isZero();
        assertThat(queue.envelope.recipients()).containsExactly("h@x.y");
        assertThat(inject(m, "-H", "arg@x.y")).isZero();
        assertThat(queue.envelope.recipients()).containsExactly("h@x.y", "arg@x.y");
        assertThat(inject(m, "-a")).isEqualTo(100);
        assertThat(stderr.toString()).contains("qmail-inject: fatal: no recipients");
        assertThat(inject(m, "-Z")).isEqualTo(100);
        assertThat(inject(m, "-fsender@x.y", "--", "-dash@x.y")).isZero();
        assertThat(queue.envelope).isEqualTo(new Envelope("sender@x.y", List.of("-dash@x.y")));
    }

    @Test
    void resentMessages() {
        String m = "From: orig@x.y\nTo: first@x.y\nDate: 1 Jan 2000 00:00:00 -0000\nResent-To: second\nResent-Bcc: hidden@x.y\n\nb\n";
        assertThat(inject(m)).isZero();
        assertThat(queue.text()).isEqualTo("Resent-Date: 29 Nov 2026 10:45:07 -0000\nResent-Message-ID: <20261129104507." + pid
                + ".qmail@mx.example.com>\nResent-From: joe@mx.example.com\n"
                + "From: orig@x.y\nTo: first@x.y\nDate: 1 Jan 2000 00:00:00 -0000\nResent-To: second@mx.example.com\n\nb\n");
        assertThat(queue.envelope.recipients()).containsExactly("second@mx.example.com", "hidden@x.y");
        assertThat(print("Resent-From: r@x.y\nTo: a@b.c\n\n")).startsWith("Resent-Date:")
                .contains("Resent-Cc: recipient list not shown: ;\n").doesNotContain("\nFrom:");
    }

    @Test
    void mailFollowupTo() throws Exception {
        Path mft = dir.resolve("mft");
        Files.writeString(mft, "List@Lists.Example.com\n");
        env.put("QMAILMFTFILE", mft.toString());
        assertThat(print("To: list@lists.example.com\nCc: me@x.y\n\n"))
                .endsWith("Mail-Followup-To: list@lists.example.com,\n  me@x.y\nTo: list@lists.example.com\nCc: me@x.y\n\n");
        assertThat(print("To: other@lists.example.com\n\n")).doesNotContain("Mail-Followup-To");
        assertThat(print("To: list@lists.example.com\nMail-Followup-To: x@y.z\n\n")).containsOnlyOnce("Mail-Followup-To");
    }

    @Test
    void bodyWithoutBlankLineAndNulBytes() {
        assertThat(inject("To: a@b.c\nnot a header line\nx\0y\n")).isZero();
        assertThat(queue.text()).endsWith("To: a@b.c\n\nnot a header line\nx\0y\n");
        assertThat(inject("To: a@b.c\n  folded@d.e\nSubject: s\n")).isZero();
        assertThat(queue.envelope.recipients()).containsExactly("a@b.c", "folded@d.e");
        assertThat(queue.text()).endsWith("To: a@b.c,\n  folded@d.e\nSubject: s\n\n");
    }

    @Test
    void queueFailuresAreReported() {
        queue.exit = 53;
        assertThat(inject("To: a@b.c\n\n")).isEqualTo(111);
        assertThat(stderr.toString()).contains("qmail-inject: fatal: qq write error or disk full (#4.3.0)");
        queue.exit = 31;
        assertThat(inject("To: a@b.c\n\n")).isEqualTo(100);
        assertThat(stderr.toString()).contains("qmail-inject: fatal: mail server permanently rejected message (#5.3.0)");
    }
    @Test
    void severeSyntaxErrorInAnAddressFieldExits100AndQueuesNothing() {
        // What qmail's token822_parse and token822_addrlist reject, each as qmail-inject(8)'s
        // "severe syntax error": the line is printed and the exit is 100.
        for (String line : List.of("To: \"unterminated@x.y\n", "Cc: a@b (open comment\n", "From: x@[1.2.3.4\n",
                "To: a@b )\n", "Reply-To: a@b>\n", "To: group: a@b\n", "Bcc: a;b;\n")) {
            stderr.reset();
            queue.envelope = null;
            assertThat(inject(line + "Subject: x\n\nbody\n", "c@d.e")).as(line).isEqualTo(100);
            assertThat(stderr.toString()).isEqualTo("qmail-inject: fatal: unable to parse this line:\n" + line);
            assertThat(queue.envelope).isNull();
        }
        // -n too: the header is parsed before anything is printed.
        stderr.reset();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(QmailInject.run(new String[] {"-n"}, t.home, env, new ByteArrayInputStream(bytes("To: <a@b\"\n\n")),
                out, new PrintStream(stderr), queue, clock)).isEqualTo(100);
        assertThat(out.size()).isZero();
        // Not severe: a lone '<', groups, routes, quoted pairs, and a Subject qmail never parses.
        assertThat(print("To: <a@b, g: c@d;, \"q\\\"x\"@e, A <@r:f@g>\nSubject: (\n\n")).contains("Subject: (\n");
    }

    @Test
    void datesAreFormattedAsDateTimeFormatterDoesInUtc() {
        var date = java.time.format.DateTimeFormatter.ofPattern("d MMM yyyy HH:mm:ss", java.util.Locale.US).withZone(ZoneOffset.UTC);
        var id = java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss", java.util.Locale.US).withZone(ZoneOffset.UTC);
        List<Instant> times = new java.util.ArrayList<>(List.of(Instant.EPOCH, Instant.parse("2026-11-29T10:45:07Z"),
                Instant.parse("2000-02-29T23:59:59Z"), Instant.parse("1999-12-31T00:00:00.999Z"),
                Instant.parse("0999-01-01T01:02:03Z"), Instant.parse("9999-12-31T23:59:59Z")));
        for (int m = 0; m < 12; m++) times.add(Instant.parse("2027-%02d-0%dT0%d:0%d:0%dZ".formatted(m + 1, m % 9 + 1, m % 10, m % 7, m % 6)));
        java.util.Random r = new java.util.Random(14);
        for (int i = 0; i < 500; i++) times.add(Instant.ofEpochSecond(r.nextLong(0, 253402300799L)));
        for (Instant t : times) {
            assertThat(QmailInject.date(t)).as(t.toString()).isEqualTo(date.format(t));
            assertThat(QmailInject.idDate(t)).as(t.toString()).isEqualTo(id.format(t));
        }
    }

    /**
     * The stamps' exact bytes for fixed instants, whatever zone the clock is in: qmail writes
     * UTC and "-0000" (a leap day, the turn of a year just before and after midnight in a zone
     * ahead of UTC, the epoch, one second before it, a one-digit day).
     */
    @Test
    void dateAndMessageIdStampsAreUtcWhateverTheClocksZone() {
        record Case(String instant, String zone, String date, String id) {}
        List<Case> cases = List.of(
                new Case("2028-02-29T23:59:59Z", "Asia/Kolkata", "29 Feb 2028 23:59:59", "20280229235959"),
                new Case("2026-12-31T23:30:00Z", "Pacific/Kiritimati", "31 Dec 2026 23:30:00", "20261231233000"),
                new Case("2027-01-01T00:00:00Z", "America/Los_Angeles", "1 Jan 2027 00:00:00", "20270101000000"),
                new Case("1970-01-01T00:00:00Z", "Europe/Berlin", "1 Jan 1970 00:00:00", "19700101000000"),
                new Case("1969-12-31T23:59:59Z", "UTC", "31 Dec 1969 23:59:59", "19691231235959"),
                new Case("2026-03-05T07:08:09.999Z", "Australia/Adelaide", "5 Mar 2026 07:08:09", "20260305070809"));
        for (Case c : cases) {
            Clock in = Clock.fixed(Instant.parse(c.instant()), java.time.ZoneId.of(c.zone()));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThat(QmailInject.run(new String[] {"-n"}, t.home, env, new ByteArrayInputStream(bytes("To: a@b.c\n\nx\n")),
                    out, new PrintStream(stderr), queue, in)).isZero();
            assertThat(str(out.toByteArray())).as(c.toString()).isEqualTo("Date: " + c.date() + " -0000\nMessage-ID: <"
                    + c.id() + "." + pid + ".qmail@mx.example.com>\nFrom: joe@mx.example.com\nTo: a@b.c\n\nx\n");
        }
    }

    /** Only a call that goes on to queue warms the writer's socket up: not -n, not bad usage. */
    @Test
    void queuesIsFalseForDashNAndBadUsage() {
        assertThat(QmailInject.queues(new String[0])).isTrue();
        assertThat(QmailInject.queues(new String[] {"-H", "-f", "s@x", "--", "-n"})).isTrue();
        assertThat(QmailInject.queues(new String[] {"-nN"})).isTrue();
        assertThat(QmailInject.queues(new String[] {"-n", "a@b"})).isFalse();
        assertThat(QmailInject.queues(new String[] {"-an"})).isFalse();
        assertThat(QmailInject.queues(new String[] {"-Z"})).isFalse();
        assertThat(QmailInject.queues(new String[] {"-f"})).isFalse();
    }

    /** civil(): every day of years 0 to 9999 against java.time's own calendar. */
    @Test
    void civilDatesAgreeWithJavaTimeForEveryDay() {
        long first = java.time.LocalDate.of(0, 1, 1).toEpochDay();
        long last = java.time.LocalDate.of(9999, 12, 31).toEpochDay();
        for (long d = first; d <= last; d++) {
            java.time.LocalDate l = java.time.LocalDate.ofEpochDay(d);
            long expected = l.getYear() * 10_000L + l.getMonthValue() * 100 + l.getDayOfMonth();
            if (QmailInject.civil(d) != expected) assertThat(QmailInject.civil(d)).as(l.toString()).isEqualTo(expected);
        }
        assertThat(QmailInject.civil(0)).isEqualTo(19700101);
        assertThat(QmailInject.civil(-1)).isEqualTo(19691231);
        assertThat(QmailInject.civil(11017)).isEqualTo(2000_03_01L);
        assertThat(QmailInject.civil(11016)).isEqualTo(2000_02_29L);
    }
}
