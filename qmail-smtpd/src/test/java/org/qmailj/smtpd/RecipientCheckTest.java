package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.smtpd.MailboxProbe.Verdict;
import org.qmailj.testing.Cmd;

/**
 * RCPTCHECK as a client sees it (Python's smtplib over a loopback socket) with the variable
 * set and unset, the cache's lifetime and bound, and the cases where the check must accept
 * because delivery would defer rather than bounce.
 */
class RecipientCheckTest {
    @TempDir
    Path dir;

    /** Sends one message to every address given with smtplib; prints what was refused and the DATA result. */
    static final String SMTPLIB = """
            import smtplib, sys
            s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=30)
            try:
                refused = s.sendmail('sender@remote.example', sys.argv[2:], b'Subject: t\\r\\n\\r\\nhello\\r\\n')
                for a in sys.argv[2:]:
                    if a in refused:
                        print(a, refused[a][0], refused[a][1].decode())
                print('sent')
            except smtplib.SMTPRecipientsRefused as e:
                for a, r in e.recipients.items():
                    print(a, r[0], r[1].decode())
                print('all refused')
            s.quit()
            """;

    static final List<String> RCPTS = List.of("alice@local.example", "qjnobody@local.example",
            "alice-lists@local.example", "alice-nosuch@local.example", "someone@remote.example",
            "nosuch@virt.example", "qjpostmaster@local.example");

    String smtplib(int port, List<String> rcpts) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("python3", "-c", SMTPLIB, String.valueOf(port)));
        cmd.addAll(rcpts);
        Cmd.Result r = Cmd.run(cmd, Map.of("PATH", System.getenv("PATH")), null, new byte[0], 60);
        assertThat(r.exit()).as(new String(r.stderr(), StandardCharsets.UTF_8)).isZero();
        return new String(r.stdout(), StandardCharsets.UTF_8);
    }

    @Test
    void smtplibGets550ForUnknownLocalRecipientsOnlyWithRcptcheck() throws Exception {
        RcptFixture f = new RcptFixture(dir);
        try (LoopbackServer srv = LoopbackServer.smtpd(f.test, f.test.env("RCPTCHECK", "1"))) {
            assertThat(smtplib(srv.port(), RCPTS)).isEqualTo("""
                    qjnobody@local.example 550 sorry, no mailbox here by that name. (#5.1.1)
                    alice-nosuch@local.example 550 sorry, no mailbox here by that name. (#5.1.1)
                    nosuch@virt.example 550 sorry, no mailbox here by that name. (#5.1.1)
                    sent
                    """);
        }
        // Queued for the others only; the remote recipient is not checked.
        assertThat(f.test.queued()).hasSize(1);
        assertThat(f.test.queued().get(0).envelope()).isEqualTo("Fsender@remote.example\0Talice@local.example\0"
                + "Talice-lists@local.example\0Tsomeone@remote.example\0Tqjpostmaster@local.example\0\0");

        // Unset: qmail's behaviour, everything in rcpthosts is accepted.
        try (LoopbackServer srv = LoopbackServer.smtpd(f.test, f.test.env())) {
            assertThat(smtplib(srv.port(), RCPTS)).isEqualTo("sent\n");
        }
        assertThat(f.test.queued()).hasSize(2);
        // All refused: smtplib gives up before DATA, nothing is queued.
        try (LoopbackServer srv = LoopbackServer.smtpd(f.test, f.test.env("RCPTCHECK", "1"))) {
            assertThat(smtplib(srv.port(), List.of("qjnobody@local.example"))).isEqualTo("""
                    qjnobody@local.example 550 sorry, no mailbox here by that name. (#5.1.1)
                    all refused
                    """);
        }
        assertThat(f.test.queued()).hasSize(2);
    }

    @Test
    void relayclientRecipientsAreCheckedAsQueued() throws Exception {
        RcptFixture f = new RcptFixture(dir);
        // RELAYCLIENT's text is appended before the check, as before queueing.
        try (LoopbackServer srv = LoopbackServer.smtpd(f.test, f.test.env("RCPTCHECK", "", "RELAYCLIENT", ""));
                SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<sender@remote.example>\r\n").reply();
            assertThat(c.send("RCPT TO:<victim@elsewhere.example>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("RCPT TO:<qjnobody@local.example>\r\n").reply()).startsWith("550 ");
            assertThat(c.send("RCPT TO:<carol-x@local.example>\r\n").reply()).isEqualTo("250 ok\r\n");
        }
    }

    @Test
    void answersAreCachedForAMinuteThenLookedUpAgain() throws Exception {
        RcptFixture f = new RcptFixture(dir);
        AtomicLong now = new AtomicLong(1_000);
        VerdictCache cache = new VerdictCache(now::get, VerdictCache.TTL_NANOS, 100);
        RecipientCheck check = RecipientCheck.load(f.test.home(), Map.of("RCPTCHECK", ""), cache);
        String addr = "alice-new@local.example";
        assertThat(check.verdict(addr)).isEqualTo(Verdict.NO_MAILBOX);
        Path dotQmail = f.home.resolve("../homes/alice/.qmail-new");
        Files.writeString(dotQmail, "./Maildir/\n");
        now.addAndGet(VerdictCache.TTL_NANOS - 1);
        assertThat(check.verdict(addr)).as("still cached").isEqualTo(Verdict.NO_MAILBOX);
        now.addAndGet(1);
        assertThat(check.verdict(addr)).as("expired").isEqualTo(Verdict.DELIVERABLE);
        Files.delete(dotQmail);
        assertThat(check.verdict(addr)).as("cached again").isEqualTo(Verdict.DELIVERABLE);
        now.addAndGet(VerdictCache.TTL_NANOS);
        assertThat(check.verdict(addr)).isEqualTo(Verdict.NO_MAILBOX);
        // A session of its own sees the same JVM-wide answers.
        RecipientCheck other = RecipientCheck.load(f.test.home(), Map.of("RCPTCHECK", ""), cache);
        Files.writeString(dotQmail, "./Maildir/\n");
        assertThat(other.verdict(addr)).isEqualTo(Verdict.NO_MAILBOX);
    }

    @Test
    void cacheIsBounded() {
        AtomicLong now = new AtomicLong();
        VerdictCache cache = new VerdictCache(now::get, VerdictCache.TTL_NANOS, 3);
        for (int i = 0; i < 10; i++) cache.put("k" + i, Verdict.NO_MAILBOX);
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.get("k9")).isEqualTo(Verdict.NO_MAILBOX);
        assertThat(cache.get("k0")).isNull();
        cache.put("x".repeat(VerdictCache.MAX_KEY + 1), Verdict.DELIVERABLE);
        assertThat(cache.get("x".repeat(VerdictCache.MAX_KEY + 1))).isNull();
    }

    @Test
    void acceptsWhatDeliveryWouldDeferNotBounce() throws Exception {
        RcptFixture f = new RcptFixture(dir);
        VerdictCache cache = new VerdictCache(System::nanoTime, VerdictCache.TTL_NANOS, 100);
        RecipientCheck check = RecipientCheck.load(f.test.home(), Map.of("RCPTCHECK", ""), cache);
        Path carol = f.home.resolve("../homes/carol");
        Files.delete(carol.resolve(".qmail-default"));
        assertThat(check.verdict("carol-x@local.example")).isEqualTo(Verdict.NO_MAILBOX);
        // qmail-local defers for a home writable by others or sticky (user editing .qmail).
        Files.setAttribute(carol, "unix:mode", 0757);
        assertThat(check.verdict("carol-y@local.example")).isEqualTo(Verdict.UNKNOWN);
        Files.setAttribute(carol, "unix:mode", 01755);
        assertThat(check.verdict("carol-z@local.example")).isEqualTo(Verdict.UNKNOWN);
        assertThat(check.accepts("carol-z@local.example")).isTrue();
        // A users/cdb that cannot be read is qmail-lspawn's "Trouble reading users/cdb" (Z).
        Files.writeString(f.home.resolve("users/cdb"), "not a cdb");
        assertThat(check.verdict("qjnobody2@local.example")).isEqualTo(Verdict.UNKNOWN);
        // Off: nothing is checked.
        RecipientCheck off = RecipientCheck.load(f.test.home(), Map.of(), cache);
        assertThat(off.enabled()).isFalse();
        assertThat(off.accepts("qjnobody@local.example")).isTrue();
    }
}
