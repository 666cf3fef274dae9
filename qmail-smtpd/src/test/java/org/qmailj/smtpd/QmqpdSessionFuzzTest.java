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
import org.qmailj.common.queue.Envelope;

/**
 * qmail-qmqpd's packet reader on arbitrary bytes: it either refuses the packet with an
 * IOException (a bad netstring, or the end of input) or answers, and what it queues is exactly
 * what a straightforward netstring parser of the same bytes finds: the message after the
 * Received line, the sender and the recipients, each under 1000 bytes and without NUL.
 */
class QmqpdSessionFuzzTest {
    private static final SmtpdControl.Peer PEER = new SmtpdControl.Peer("192.0.2.1", "unknown", Optional.empty(), "test.example");

    @FuzzTest(maxDuration = "5m")
    void packet(byte[] client) {
        RecordingQueue queue = new RecordingQueue();
        LineInput in = new LineInput(new ByteArrayInputStream(client), () -> { });
        Parsed want = Parsed.of(client);
        String answer;
        try {
            answer = QmqpdSession.exchange(in, queue, PEER, new RecipientLimits(Long.MAX_VALUE, Long.MAX_VALUE));
        } catch (IOException refused) {
            assertThat(want).as("a well-formed packet was refused: " + refused).isNull();
            assertThat(queue.committed).isEmpty();
            assertThat(queue.opened).isEqualTo(queue.closed);
            return;
        }
        assertThat(want).as("answered %s to a malformed packet", answer).isNotNull();
        assertThat(queue.opened).isEqualTo(queue.closed);
        if (!want.acceptable()) {
            assertThat(answer).isEqualTo(QmqpdSession.BAD_ADDRESS);
            assertThat(queue.committed).isEmpty();
            return;
        }
        assertThat(answer).matches("Kok [0-9]+ qp 4242");
        assertThat(queue.committed).hasSize(1);
        RecordingQueue.Committed c = queue.committed.getFirst();
        assertThat(c.envelope()).isEqualTo(new Envelope(want.addresses.getFirst(), want.addresses.subList(1, want.addresses.size())));
        byte[] m = c.message();
        assertThat(Arrays.copyOfRange(m, m.length - want.message.length, m.length)).isEqualTo(want.message);
        assertThat(new String(m, 0, m.length - want.message.length, StandardCharsets.ISO_8859_1))
                .startsWith("Received: ").doesNotContain("\0");
    }

    /** The packet as QMQP defines it, or null when it is not one. */
    record Parsed(byte[] message, List<String> addresses) {
        boolean acceptable() {
            return addresses.stream().allMatch(a -> a.length() < 1000 && a.indexOf('\0') < 0);
        }

        static Parsed of(byte[] b) {
            int[] at = {0};
            byte[] packet = netstring(b, at);
            if (packet == null) return null;
            int[] p = {0};
            byte[] message = netstring(packet, p);
            if (message == null) return null;
            List<String> addresses = new ArrayList<>();
            do {
                byte[] a = netstring(packet, p);
                if (a == null) return null;
                addresses.add(new String(a, StandardCharsets.ISO_8859_1));
            } while (p[0] < packet.length);
            return new Parsed(message, addresses);
        }

        private static byte[] netstring(byte[] b, int[] at) {
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
