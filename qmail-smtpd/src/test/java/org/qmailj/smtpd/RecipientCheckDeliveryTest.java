package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailHome;
import org.qmailj.common.address.RecipientRewriter;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.users.LocalUsers;
import org.qmailj.common.users.LookupFailure;
import org.qmailj.common.users.Nughde;
import org.qmailj.local.Delivery;
import org.qmailj.local.LocalExit;
import org.qmailj.local.LocalRequest;
import org.qmailj.local.MessageFile;
import org.qmailj.local.Report;

/**
 * The recipient check never disagrees with local delivery: for every kind of address
 * (bare user, .qmail-ext, .qmail-ext-default, .qmail-default, the alias user's .qmail files,
 * a virtual domain, and unknown ones) the RCPT answer over a real socket with RCPTCHECK set
 * is 550 exactly when qmail-local, run on the same QMAIL_HOME as qmail-lspawn runs it
 * (qmail-send's rewriting, qmail-lspawn's user lookup, qmail-local's Delivery in this JVM,
 * the report qmail-lspawn makes of it), bounces the message for "no mailbox".
 */
class RecipientCheckDeliveryTest {
    @TempDir
    Path dir;

    static final String NO_MAILBOX = "550 sorry, no mailbox here by that name. (#5.1.1)\r\n";

    /** Address as sent in RCPT, and whether local delivery has no mailbox for it. */
    static final Map<String, Boolean> ADDRESSES = new LinkedHashMap<>();

    static {
        String d = "@" + RcptFixture.DOMAIN;
        for (String a : new String[] {"alice", "ALICE", "alice-lists", "Alice-Lists", "alice-a.b", "alice-fwd-x",
            "alice-fwd-x-y", "carol", "carol-anything", "carol-a-b.c", "dave", "qjpostmaster", "QJPostmaster",
            "qjlist-x", "qjlist-x-y", "ghost", "ghost-x"}) {
            ADDRESSES.put(a + d, false);
        }
        for (String a : new String[] {"alice-nosuch", "alice-fwd", "alice-dir", "alice-lists-x", "dave-x",
            "qjlist", "qjnobody", "qjpostmaster-x"}) {
            ADDRESSES.put(a + d, true);
        }
        ADDRESSES.put("lists@virt.example", false);
        ADDRESSES.put("fwd-1@virt.example", false);
        ADDRESSES.put("nosuch@virt.example", true);
    }

    @Test
    void rcptAnswerMatchesLocalDelivery() throws Exception {
        RcptFixture f = new RcptFixture(dir);
        Map<String, String> rcpt = new LinkedHashMap<>();
        try (LoopbackServer srv = LoopbackServer.smtpd(f.test, f.test.env("RCPTCHECK", ""));
                SmtpClient c = srv.connect()) {
            c.reply();
            c.send("HELO client.example\r\n").reply();
            c.send("MAIL FROM:<sender@remote.example>\r\n").reply();
            for (String a : ADDRESSES.keySet()) rcpt.put(a, c.send("RCPT TO:<" + a + ">\r\n").reply());
            c.send("QUIT\r\n").reply();
        }
        Path msg = dir.resolve("message");
        Files.writeString(msg, "From: sender@remote.example\nSubject: test\n\nhello\n");
        for (Map.Entry<String, Boolean> e : ADDRESSES.entrySet()) {
            String report = deliver(f.test.home(), msg, e.getKey());
            boolean bounced = report.startsWith("D") && report.contains("no mailbox here by that name");
            assertThat(bounced).as("delivery to %s: %s", e.getKey(), report).isEqualTo(e.getValue());
            assertThat(rcpt.get(e.getKey())).as("RCPT %s (delivery: %s)", e.getKey(), report)
                    .isEqualTo(bounced ? NO_MAILBOX : "250 ok\r\n");
            // Accepted: delivered (K), or deferred where qmail-local defers (ghost's missing home).
            if (!bounced) assertThat(report).as(e.getKey()).startsWith(e.getKey().startsWith("ghost") ? "Z" : "K");
        }
    }

    /** What qmail-send and qmail-lspawn do with one recipient: qmail-lspawn's report. */
    static String deliver(QmailHome home, Path msg, String recipient) throws Exception {
        String r = RecipientRewriter.load(home.control()).rewrite(recipient).address();
        int at = r.lastIndexOf('@');
        String local = r.substring(0, at);
        Nughde n;
        try {
            n = new LocalUsers(home, LocalUsers.isSandbox(home), true).lookup(local);
        } catch (LookupFailure e) {
            return LocalExit.report(e.reason().qlx(), "");
        }
        LocalRequest req = new LocalRequest(n.user(), n.homedir(), local, n.dash(), n.ext(), r.substring(at + 1),
                "sender@remote.example", "./Maildir/", true);
        Report.Buffer report = new Report.Buffer();
        try (MessageFile m = MessageFile.of(Fd.open(msg, Fd.O_RDONLY, 0))) {
            int exit = new Delivery(req, m, Map.of("PATH", System.getenv("PATH")), home, report).run();
            return LocalExit.report(exit, new String(report.bytes(), StandardCharsets.ISO_8859_1));
        }
    }
}
