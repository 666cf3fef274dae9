package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TEST.deliver.md's walk-throughs: the same log sequence and mailbox contents. */
class DeliverWalkthroughTest {
    @TempDir Path home;

    private static List<String> after(List<String> lines, String first) {
        int i = lines.indexOf(first);
        assertThat(i).as("line %s in %s", first, lines).isGreaterThanOrEqualTo(0);
        return lines.subList(i, lines.size());
    }

    @Test
    void localLocal() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = new SendHarness(tq).start()) {
            h.awaitLog("status: local 0/10 remote 0/20", 20);
            long n = tq.inject("m1@domain", "me@domain", "me");
            long bytes = Files.size(tq.q.mess(n));
            h.awaitLog("end msg " + n, 20);
            assertThat(after(h.logLines(), "new msg " + n)).containsExactly(
                    "new msg " + n,
                    "info msg " + n + ": bytes " + bytes + " from <me@domain> qp 20345 uid 666",
                    "starting delivery 1: msg " + n + " to local me@domain",
                    "status: local 1/10 remote 0/20",
                    "delivery 1: success: did_1+0+0/",
                    "status: local 0/10 remote 0/20",
                    "end msg " + n);
            assertThat(h.delivered()).containsExactly("me@domain <m1@domain> me@domain");
            assertThat(h.stop()).isZero();
            assertThat(h.logLines()).endsWith("status: exiting");
            assertThat(tq.leftovers()).isEmpty();
        }
    }

    @Test
    void localErrorBouncesToTheSender() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        try (SendHarness h = new SendHarness(tq).start()) {
            h.awaitLog("status: local 0/10 remote 0/20", 20);
            long n = tq.inject("m2@domain", "me@domain", "failnonexistent");
            h.await("bounce delivered", () -> {
                try {
                    return h.delivered().size() == 1;
                } catch (java.io.IOException e) {
                    return false;
                }
            }, 20);
            h.await("two end msg lines", () -> h.logLines().stream().filter(l -> l.startsWith("end msg")).count() == 2, 20);
            List<String> lines = after(h.logLines(), "new msg " + n);
            long m = Long.parseLong(lines.get(8).substring("new msg ".length()));
            long mbytes = ("Received: (qmail 20357 invoked by uid 666); 26 Sep 1995 04:46:54 -0000\n"
                    + h.injected.getFirst().message()).length();
            assertThat(lines.subList(0, 15)).containsExactly(
                    "new msg " + n,
                    lines.get(1),
                    "starting delivery 1: msg " + n + " to local failnonexistent@domain",
                    "status: local 1/10 remote 0/20",
                    "delivery 1: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/",
                    "status: local 0/10 remote 0/20",
                    "bounce msg " + n + " qp 20357",
                    "end msg " + n,
                    "new msg " + m,
                    "info msg " + m + ": bytes " + mbytes + " from <> qp 20357 uid 666",
                    "starting delivery 2: msg " + m + " to local me@domain",
                    "status: local 1/10 remote 0/20",
                    "delivery 2: success: did_1+0+0/",
                    "status: local 0/10 remote 0/20",
                    "end msg " + m);
            SendHarness.Injected b = h.injected.getFirst();
            assertThat(b.envelope().sender()).isEmpty();
            assertThat(b.envelope().recipients()).containsExactly("me@domain");
            String text = b.message();
            assertThat(text).matches("(?s)Date: \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d -0000\n"
                    + "Message-ID: <\\d{14}\\.\\d+\\.qmail@domain>\n.*");
            assertThat(text.substring(text.indexOf("From: "))).isEqualTo(
                    "From: MAILER-DAEMON@domain\n"
                    + "To: me@domain\n"
                    + "Subject: failure notice\n"
                    + "\n"
                    + "Hi. This is the qmail-send program at domain.\n"
                    + "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
                    + "This is a permanent error; I've given up. Sorry it didn't work out.\n"
                    + "\n"
                    + "<failnonexistent@domain>:\n"
                    + "Sorry, no mailbox here by that name. (#5.1.1)\n"
                    + "\n"
                    + "--- Below this line is a copy of the message.\n"
                    + "\n"
                    + "Return-Path: <me@domain>\n"
                    + "Received: (qmail 20345 invoked by uid 666); 26 Sep 1995 04:46:54 -0000\n"
                    + "Message-ID: <m2@domain>\n"
                    + "Subject: test\n"
                    + "\n"
                    + "body\n");
            h.stop();
            assertThat(tq.leftovers()).isEmpty();
        }
    }

    @Test
    void doubleBounceGoesToPostmasterAndTripleIsDiscarded() throws Exception {
        TestQueue tq = new TestQueue(home, "domain");
        tq.control("bouncefrom", "bouncer");
        tq.control("bouncehost", "bounce.example");
        tq.control("doublebouncehost", "dbhost");
        tq.control("locals", "domain", "dbhost");
        try (SendHarness h = new SendHarness(tq).start()) {
            h.awaitLog("status: local 0/10 remote 0/20", 20);
            // A message from a bad sender to a bad recipient: bounce bounces, double bounce arrives.
            tq.inject("m3@domain", "failsender@domain", "failuser");
            h.await("double bounce delivered", () -> {
                try {
                    return h.delivered().size() == 1;
                } catch (java.io.IOException e) {
                    return false;
                }
            }, 30);
            assertThat(h.delivered().getFirst()).startsWith("postmaster@dbhost <").endsWith(" #@[]");
            assertThat(h.injected).hasSize(2);
            SendHarness.Injected dbl = h.injected.get(1);
            assertThat(dbl.envelope().sender()).isEqualTo("#@[]");
            assertThat(dbl.envelope().recipients()).containsExactly("postmaster@dbhost");
            String t = dbl.message();
            assertThat(t).contains("From: bouncer@bounce.example\nTo: postmaster@dbhost\nSubject: failure notice\n\n"
                    + "Hi. This is the qmail-send program at bounce.example.\n"
                    + "I tried to deliver a bounce message to this address, but the bounce bounced!\n\n"
                    + "<failsender@domain>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
                    + "--- Below this line is the original bounce.\n\nReturn-Path: <>\n");
            assertThat(t).contains("<failuser@domain>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
                    + "--- Below this line is a copy of the message.\n\nReturn-Path: <failsender@domain>\n");
            h.await("queue empty", () -> {
                try {
                    return tq.leftovers().isEmpty();
                } catch (java.io.IOException e) {
                    return false;
                }
            }, 20);

            // Now the postmaster box fails too: the bounce of the double bounce is discarded.
            tq.control("doublebounceto", "failpm");
            h.events.add(new Event.Hangup());
            h.stop();
        }
        try (SendHarness h = new SendHarness(tq).start()) {
            tq.inject("m4@domain", "failsender@domain", "failuser");
            h.await("triple bounce", () -> h.logLines().stream().anyMatch(l -> l.startsWith("triple bounce: discarding bounce/")), 30);
            h.await("queue empty", () -> {
                try {
                    return tq.leftovers().isEmpty();
                } catch (java.io.IOException e) {
                    return false;
                }
            }, 20);
            assertThat(h.injected).hasSize(2);
            assertThat(h.delivered()).hasSize(1); // only the earlier double bounce
        }
    }
}
