package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.qmailj.common.address.ConstMap;

/**
 * qmail-smtpd's session fed arbitrary client bytes through an in-memory wire. Whatever the
 * client sends: no exception escapes {@link SmtpdSession#run}, every reply line is
 * {@code NNN text} or {@code NNN-text} ended by CRLF, the replies stay in proportion to the
 * input, and the queue only ever sees an envelope that passed the checks (a recipient in
 * rcpthosts, a sender not in badmailfrom, no NUL or LF in any address) behind a clean
 * Received line, and a message no bigger than the input.
 */
class SmtpdSessionFuzzTest {
    private static final Pattern REPLY_LINE = Pattern.compile("[2345][0-9][0-9][ -][\\x20-\\x7e]*");
    private static final SmtpdControl CONTROL = new SmtpdControl(
            "test.example", Optional.of("test.example"), 1200,
            new RcptHosts(Optional.of(ConstMap.ofKeys(List.of("test.example", ".wild.example"))), Optional.empty()),
            Optional.of(ConstMap.ofKeys(List.of("spam@evil.example", "@worse.example"))),
            2000, Optional.empty(),
            // no recipient limit: the oracle accepts every good recipient (RecipientFloodTest tests the limits)
            new RecipientLimits(Long.MAX_VALUE, Long.MAX_VALUE),
            new SmtpdControl.Peer("192.0.2.1", "client.example", Optional.empty(), "test.example"));

    @FuzzTest(maxDuration = "5m")
    void session(byte[] client) {
        RecordingQueue queue = new RecordingQueue();
        ByteArrayOutputStream server = new ByteArrayOutputStream();
        int code = new SmtpdSession(CONTROL, queue, ip -> false, new MemoryWire(client, server)).run();
        assertThat(code).isIn(0, 1);

        String out = server.toString(StandardCharsets.ISO_8859_1);
        assertThat(out).endsWith("\r\n");
        String[] lines = out.substring(0, out.length() - 2).split("\r\n", -1);
        for (String line : lines) {
            assertThat(line).matches(REPLY_LINE);
        }
        long clientLines = 1;
        for (byte b : client) {
            if (b == '\n') clientLines++;
        }
        // The greeting, at most one reply per line (EHLO's has five lines), and a last word.
        assertThat((long) lines.length).isLessThanOrEqualTo(5 * clientLines + 2);
        assertThat(queue.opened).isEqualTo(queue.closed);

        for (RecordingQueue.Committed c : queue.committed) {
            String sender = c.envelope().sender();
            assertCleanAddress(sender);
            assertThat(sender).isNotEqualToIgnoringCase("spam@evil.example");
            assertThat(sender.toLowerCase()).doesNotEndWith("@worse.example");
            assertThat(c.envelope().recipients()).isNotEmpty();
            for (String r : c.envelope().recipients()) {
                assertCleanAddress(r);
                int at = r.lastIndexOf('@');
                if (at >= 0) {
                    String host = r.substring(at + 1).toLowerCase();
                    assertThat(host.equals("test.example") || host.endsWith(".wild.example"))
                            .as("recipient %s is in rcpthosts", r).isTrue();
                }
            }
            assertThat(c.message().length).isLessThanOrEqualTo(client.length + 1024);
            String received = new String(c.message(), 0, Math.min(c.message().length, 1024), StandardCharsets.ISO_8859_1);
            assertThat(received).startsWith("Received: from ");
            String[] head = received.split("\n", 3);
            assertThat(head.length).isGreaterThanOrEqualTo(3);
            assertThat(head[0]).matches("[\\x20-\\x7e]*");
            assertThat(head[1]).startsWith("  by ").matches("[\\x20-\\x7e]*");
        }
    }

    private static void assertCleanAddress(String a) {
        // qmail-smtpd passes a CR inside an address on (only the line's last one is cut).
        assertThat(a).doesNotContain("\0").doesNotContain("\n");
        assertThat(a.length()).isLessThan(1000);
    }

    /** Both directions in memory; a read past the client's bytes is the end of input. */
    record MemoryWire(InputStream in, OutputStream out) implements Wire {
        MemoryWire(byte[] client, ByteArrayOutputStream server) {
            this(new ByteArrayInputStream(client), server);
        }

        @Override
        public void timeout(int seconds) { }

        @Override
        public void close() { }
    }
}
