package org.qmailj.common.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueueCodecTest {

    private static byte[] b(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }

    /** Delivers one byte per read, as a slow pipe may. */
    private static InputStream oneByteAtATime(byte[] data) {
        return new InputStream() {
            int i;
            @Override public int read() { return i < data.length ? data[i++] & 0xff : -1; }
            @Override public int read(byte[] buf, int off, int len) {
                if (len == 0) return 0;
                int c = read();
                if (c < 0) return -1;
                buf[off] = (byte) c;
                return 1;
            }
        };
    }

    @Test
    void splitPaths() {
        QueueLayout q = new QueueLayout(Path.of("/var/qmail/queue"));
        assertThat(q.mess(457)).isEqualTo(Path.of("/var/qmail/queue/mess/20/457"));
        assertThat(q.info(23)).isEqualTo(Path.of("/var/qmail/queue/info/0/23"));
        assertThat(q.todo(457)).isEqualTo(Path.of("/var/qmail/queue/todo/457"));
        assertThat(q.intd(457)).isEqualTo(Path.of("/var/qmail/queue/intd/457"));
        assertThat(q.bounce(457)).isEqualTo(Path.of("/var/qmail/queue/bounce/457"));
        assertThat(QueueLayout.messName(457)).isEqualTo("20/457");
        assertThat(q.trigger()).isEqualTo(Path.of("/var/qmail/queue/lock/trigger"));
    }

    @Test
    void envelopeRoundTripByteExact() throws Exception {
        Envelope e = new Envelope("me@example.com", List.of("a@b.c", "d@e.f"));
        assertThat(e.encode()).isEqualTo(b("Fme@example.com\0Ta@b.c\0Td@e.f\0\0"));
        assertThat(Envelope.read(new ByteArrayInputStream(e.encode()))).isEqualTo(e);
        assertThat(Envelope.read(oneByteAtATime(e.encode()))).isEqualTo(e);
        assertThat(Envelope.read(new ByteArrayInputStream(b("F\0\0")))).isEqualTo(new Envelope("", List.of()));
    }

    @Test
    void envelopeReadStopsAtItsEnd() throws Exception {
        ByteArrayInputStream in = new ByteArrayInputStream(b("Fa@b\0Tc@d\0\0trailing"));
        Envelope.read(in);
        assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("trailing");
    }

    @Test
    void badEnvelopesGiveQmailQueueExitCodes() {
        assertExit("", QueueExit.READ_ERROR);
        assertExit("Fa@b\0Tc@d\0", QueueExit.READ_ERROR);
        assertExit("Fa@b\0Tc@d", QueueExit.READ_ERROR);
        assertExit("Fa@b", QueueExit.READ_ERROR);
        assertExit("\0", QueueExit.ENVELOPE_FORMAT);
        assertExit("Ta@b\0\0", QueueExit.ENVELOPE_FORMAT);
        assertExit("Fa@b\0Fc@d\0\0", QueueExit.ENVELOPE_FORMAT);
        assertExit("Fa@b\0Xc@d\0\0", QueueExit.ENVELOPE_FORMAT);
        assertExit("F" + "x".repeat(1004) + "\0\0", QueueExit.ADDRESS_TOO_LONG);
        assertExit("Fa\0T" + "x".repeat(1004) + "\0\0", QueueExit.ADDRESS_TOO_LONG);
    }

    @Test
    void addressesAreCheckedAsQmailQueueDoes() throws Exception {
        // qmail-queue.c reads at most ADDR (1003) bytes with the NUL: 1002 fit, 1003 is exit 11.
        String max = "x".repeat(Envelope.MAX_ADDRESS - 1);
        assertThat(Envelope.read(new ByteArrayInputStream(b("F" + max + "\0T" + max + "\0\0"))).recipients()).containsExactly(max);
        assertExit("F" + "x".repeat(1003) + "\0\0", QueueExit.ADDRESS_TOO_LONG);
        assertExit("Fa\0T" + "x".repeat(1003) + "\0\0", QueueExit.ADDRESS_TOO_LONG);
    }

    private static void assertExit(String input, QueueExit exit) {
        assertThatThrownBy(() -> Envelope.read(oneByteAtATime(b(input))))
                .isInstanceOfSatisfying(EnvelopeFormatException.class, e -> assertThat(e.exit()).isEqualTo(exit));
    }

    @Test
    void todoRecordByteExact() throws Exception {
        TodoRecord t = new TodoRecord(666, 20345, "me@domain", List.of("you@there", "x@y"));
        assertThat(t.encode()).isEqualTo(b("u666\0p20345\0Fme@domain\0Tyou@there\0Tx@y\0"));
        assertThat(TodoRecord.decode(t.encode())).isEqualTo(t);
        assertThatThrownBy(() -> TodoRecord.decode(b("u1\0p2\0Fa\0Qx\0"))).hasMessageContaining("unknown record type Q");
        assertThatThrownBy(() -> TodoRecord.decode(b("u1\0p2\0Fa"))).hasMessageContaining("not terminated");
        assertThatThrownBy(() -> TodoRecord.decode(b("u1\0p2\0"))).hasMessageContaining("no F");
    }

    @Test
    void recipientFileMarksDoneInPlace(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("local");
        Files.write(f, RecipientFile.encode(List.of("a@x", "bb@y", "c@z")));
        assertThat(Files.readAllBytes(f)).isEqualTo(b("Ta@x\0Tbb@y\0Tc@z\0"));
        List<RecipientFile.Entry> entries = RecipientFile.decode(Files.readAllBytes(f));
        assertThat(entries).extracting(RecipientFile.Entry::offset).containsExactly(0L, 5L, 11L);
        RecipientFile.markDone(f, entries.get(1).offset());
        assertThat(Files.readAllBytes(f)).isEqualTo(b("Ta@x\0Dbb@y\0Tc@z\0"));
        assertThat(RecipientFile.decode(Files.readAllBytes(f))).extracting(RecipientFile.Entry::done).containsExactly(false, true, false);
    }

    @Test
    void queueExitTexts() {
        assertThat(QueueExit.reportFor(11)).isEqualTo("Denvelope address too long for qq (#5.1.3)");
        assertThat(QueueExit.reportFor(53)).isEqualTo("Zqq write error or disk full (#4.3.0)");
        assertThat(QueueExit.reportFor(64)).isEqualTo("Zqq trouble creating files in queue (#4.3.0)");
        assertThat(QueueExit.reportFor(35)).isEqualTo("Dqq permanent problem (#5.3.0)");
        assertThat(QueueExit.reportFor(99)).isEqualTo("Zqq temporary problem (#4.3.0)");
        assertThat(QueueExit.ADDRESS_TOO_LONG.permanent()).isTrue();
        assertThat(QueueExit.WRITE_ERROR.permanent()).isFalse();
    }
}
