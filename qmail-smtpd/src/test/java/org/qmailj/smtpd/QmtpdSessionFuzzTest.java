package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.qmailj.common.address.ConstMap;
import org.qmailj.common.queue.Envelope;

/**
 * qmail-qmtpd's message reader on arbitrary bytes, one message after another as its loop
 * reads them: each either ends the connection with an IOException (a bad netstring, the end
 * of input) or gets one reply per recipient; what it queues is what a straightforward QMTP
 * parser of the same bytes finds (the body with CRLF made LF under the CR convention, the
 * sender and the recipients that pass rcpthosts), every address under 1000 bytes, NUL-free.
 */
class QmtpdSessionFuzzTest {
    private static final SmtpdControl CONTROL = new SmtpdControl(
            "test.example", Optional.of("test.example"), 1200,
            new RcptHosts(Optional.of(ConstMap.ofKeys(List.of("test.example", ".wild.example"))), Optional.empty()),
            Optional.empty(), 0, Optional.empty(),
            // no recipient limit: the oracle judges every recipient (RecipientFloodTest tests the limits)
            new RecipientLimits(Long.MAX_VALUE, Long.MAX_VALUE),
            new SmtpdControl.Peer("192.0.2.1", "client.example", Optional.empty(), "test.example"));

    @FuzzTest(maxDuration = "5m")
    void messages(byte[] client) {
        RecordingQueue queue = new RecordingQueue();
        LineInput in = new LineInput(new ByteArrayInputStream(client), () -> { });
        int[] at = {0};
        for (int n = 0; n < client.length + 1; n++) {
            int before = queue.committed.size();
            Parsed want = Parsed.of(client, at);
            List<String> replies;
            try {
                if (in.pos == in.lim && !in.fill()) {
                    assertThat(at[0]).isEqualTo(client.length);
                    return;
                }
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                QmtpdSession.message(in, queue, CONTROL, out);
                replies = netstrings(out.toByteArray());
            } catch (IOException refused) {
                assertThat(want).as("a well-formed message was refused: " + refused).isNull();
                assertThat(queue.committed).hasSize(before);
                assertThat(queue.opened).isEqualTo(queue.closed);
                return;
            }
            assertThat(want).as("replies %s to a malformed message", replies).isNotNull();
            assertThat(queue.opened).isEqualTo(queue.closed);
            assertThat(replies).hasSize(want.recipients.size());
            for (String r : replies) {
                assertThat(r).matches("(K|Z|D)[\\x20-\\x7e]*");
            }
            List<String> good = new ArrayList<>();
            for (String r : want.recipients) {
                if (r.length() < 1000 && r.indexOf('\0') < 0 && allowed(r)) good.add(r);
            }
            boolean senderOk = want.sender.length() < 1000 && want.sender.indexOf('\0') < 0;
            if (!senderOk || good.isEmpty()) {
                assertThat(queue.committed).hasSize(before);
                continue;
            }
            assertThat(queue.committed).hasSize(before + 1);
            RecordingQueue.Committed c = queue.committed.getLast();
            assertThat(c.envelope()).isEqualTo(new Envelope(want.sender, good));
            byte[] m = c.message();
            assertThat(m.length).isGreaterThanOrEqualTo(want.body.length);
            assertThat(Arrays.copyOfRange(m, m.length - want.body.length, m.length)).isEqualTo(want.body);
            assertThat(new String(m, 0, m.length - want.body.length, StandardCharsets.ISO_8859_1))
                    .startsWith("Received: from ").endsWith("\n").doesNotContain("\0");
        }
    }

    /** The replies QMTP writes: one netstring each. */
    private static List<String> netstrings(byte[] b) {
        List<String> out = new ArrayList<>();
        int[] at = {0};
        while (at[0] < b.length) {
            byte[] r = Parsed.netstring(b, at);
            assertThat(r).as("reply bytes are netstrings").isNotNull();
            out.add(new String(r, StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    private static boolean allowed(String r) {
        int at = r.lastIndexOf('@');
        if (at < 0) return true;
        String host = r.substring(at + 1).toLowerCase(java.util.Locale.ROOT);
        return host.equals("test.example") || host.endsWith(".wild.example");
    }

    /** One QMTP message as the protocol defines it, or null when it is not one. */
    record Parsed(byte[] body, String sender, List<String> recipients) {
        static Parsed of(byte[] b, int[] at) {
            byte[] message = netstring(b, at);
            if (message == null || message.length == 0) return null;
            byte[] body;
            if (message[0] == '\n') {
                body = Arrays.copyOfRange(message, 1, message.length);
            } else if (message[0] == '\r') {
                String s = new String(message, 1, message.length - 1, StandardCharsets.ISO_8859_1);
                body = s.replace("\r\n", "\n").getBytes(StandardCharsets.ISO_8859_1);
            } else {
                return null;
            }
            byte[] sender = netstring(b, at);
            if (sender == null) return null;
            byte[] list = netstring(b, at);
            if (list == null) return null;
            List<String> recipients = new ArrayList<>();
            int[] p = {0};
            while (p[0] < list.length) {
                byte[] r = netstring(list, p);
                if (r == null) return null;
                recipients.add(new String(r, StandardCharsets.ISO_8859_1));
            }
            return new Parsed(body, new String(sender, StandardCharsets.ISO_8859_1), recipients);
        }

        static byte[] netstring(byte[] b, int[] at) {
            int i = at[0];
            long len = 0;
            int digits = 0;
            while (i < b.length && b[i] >= '0' && b[i] <= '9') {
                len = len * 10 + (b[i++] - '0');
                if (++digits > 10) return null;
            }
            if (digits == 0 || i >= b.length || b[i] != ':' || len > b.length - i - 2) return null;
            i++;
            byte[] s = Arrays.copyOfRange(b, i, i + (int) len);
            i += (int) len;
            if (b[i] != ',') return null;
            at[0] = i + 1;
            return s;
        }
    }
}
