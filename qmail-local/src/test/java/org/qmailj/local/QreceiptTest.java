package org.qmailj.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * qreceipt(1) run as qmail-local runs a .qmail program ({@code |qreceipt joe@nowhere.mil}),
 * queueing through $QMAILQUEUE: a script that keeps the message (fd 0) and envelope (fd 1).
 */
class QreceiptTest {
    @TempDir
    Path tmp;
    Map<String, String> env = new HashMap<>();
    Path q;

    @BeforeEach
    void setUp() throws IOException {
        q = Files.createDirectory(tmp.resolve("q"));
        queueExits(0);
        env.put("QMAIL_HOME", tmp.toString());
        env.put("SENDER", "sender@far.away");
    }

    void queueExits(int code) throws IOException {
        Path script = tmp.resolve("fakeq");
        Files.writeString(script, "#!/bin/sh\ncat > " + q.resolve("msg") + "\ncat <&1 > " + q.resolve("env")
                + "\nexit " + code + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        env.put("QMAILQUEUE", script.toString());
    }

    Cmd.Result qreceipt(String msg, String... args) throws IOException {
        return LocalRun.tool("org.qmailj.local.Qreceipt", env, msg, args);
    }

    String queued(String f) throws IOException {
        return Files.readString(q.resolve(f), StandardCharsets.ISO_8859_1);
    }

    @Test
    void aRequestForThisAddressSendsTheSuccessNoticeToTheEnvelopeSender() throws IOException {
        String msg = "Message-ID: <123@far.away>\nNotice-Requested-Upon-Delivery-To: Other <o@x.y>,\n"
                + "  Joe (me) <joe@nowhere.mil>\nSubject: hi\n\nbody\n";
        Cmd.Result r = qreceipt(msg, "joe@nowhere.mil");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(queued("msg")).isEqualTo("From: DELIVERY NOTICE SYSTEM <sender@far.away>\n"
                + "To: <sender@far.away>\nSubject: success notice\n\n"
                + "Hi! This is the qreceipt program. Your message was delivered to the\n"
                + "following address: joe@nowhere.mil. Thanks for asking.\n"
                + "Your Message-ID: <123@far.away>\n");
        assertThat(queued("env")).isEqualTo("F\0Tsender@far.away\0\0");

        // A sender that needs quotes in the header; no Message-ID; the field name in any case.
        env.put("SENDER", "a b@far.away");
        r = qreceipt("notice-requested-upon-delivery-to : joe@nowhere.mil\n\n", "joe@nowhere.mil");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(queued("msg")).startsWith("From: DELIVERY NOTICE SYSTEM <\"a b\"@far.away>\nTo: <\"a b\"@far.away>\n")
                .endsWith("Thanks for asking.\n");
        assertThat(queued("env")).isEqualTo("F\0Ta b@far.away\0\0");
    }

    @Test
    void nothingIsSentWithoutARequestForThisAddressOrWithoutASender() throws IOException {
        assertThat(qreceipt("Subject: x\n\nNotice-Requested-Upon-Delivery-To: joe@nowhere.mil\n", "joe@nowhere.mil")
                .exit()).isZero();
        assertThat(qreceipt("Notice-Requested-Upon-Delivery-To: joe@elsewhere.mil\n\n", "joe@nowhere.mil").exit())
                .isZero();
        for (String sender : new String[] {"", "#@[]"}) {
            env.put("SENDER", sender);
            assertThat(qreceipt("Notice-Requested-Upon-Delivery-To: joe@nowhere.mil\n\n", "joe@nowhere.mil").exit())
                    .isZero();
        }
        assertThat(q.resolve("msg")).doesNotExist();
    }

    @Test
    void errors() throws IOException {
        Cmd.Result r = qreceipt("Notice-Requested-Upon-Delivery-To: <joe@nowhere.mil\"\n\n", "joe@nowhere.mil");
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.err()).isEqualTo("qreceipt: fatal: unable to parse this: "
                + "Notice-Requested-Upon-Delivery-To: <joe@nowhere.mil\"\n");
        r = qreceipt("\n");
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.err()).isEqualTo("qreceipt: usage: qreceipt deliveryaddress\n");
        env.remove("SENDER");
        assertThat(qreceipt("\n", "joe@nowhere.mil").exit()).isEqualTo(100);
        env.put("SENDER", "s@x.y");
        String msg = "Notice-Requested-Upon-Delivery-To: joe@nowhere.mil\n\n";
        queueExits(31);
        r = qreceipt(msg, "joe@nowhere.mil");
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.err()).isEqualTo("qreceipt: fatal: permanent qmail-queue error\n");
        queueExits(71);
        r = qreceipt(msg, "joe@nowhere.mil");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("qreceipt: fatal: temporary qmail-queue error\n");
    }
}
