package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendLogTest {
    /** Records each write it gets, so the tests see how lines were grouped. */
    static final class Writes extends OutputStream {
        final List<String> writes = new ArrayList<>();

        @Override
        public void write(int b) {
            writes.add(String.valueOf((char) b));
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writes.add(new String(b, off, len, StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void withoutAHoldEachLineIsWrittenAtOnce() {
        Writes out = new Writes();
        SendLog log = new SendLog(out);
        log.line("new msg 1\n");
        assertThat(out.writes).containsExactly("new msg 1\n");
        log.line("end msg 1\n");
        assertThat(out.writes).containsExactly("new msg 1\n", "end msg 1\n");
    }

    @Test
    void heldLinesGoOutInOrderInOneWriteAtTheLastRelease() {
        Writes out = new Writes();
        SendLog log = new SendLog(out);
        log.hold(); // the scheduler's round
        log.line("starting delivery 1: msg 7 to local a@b\n");
        log.hold(); // the todo thread's batch
        log.line("new msg 8\n");
        log.release();
        assertThat(out.writes).isEmpty();
        log.line("delivery 1: success: ok/\n");
        assertThat(log.tail()).hasSize(3); // the status page sees them at once
        log.release();
        assertThat(out.writes).containsExactly(
                "starting delivery 1: msg 7 to local a@b\nnew msg 8\ndelivery 1: success: ok/\n");
        log.line("end msg 7\n");
        assertThat(out.writes).hasSize(2).last().isEqualTo("end msg 7\n");
    }

    @Test
    void aLongHoldStillWritesOnceTheBufferIsFull() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SendLog log = new SendLog(out);
        log.hold();
        String line = "x".repeat(99) + "\n";
        int n = SendLog.FLUSH_AT / line.length() + 1;
        for (int i = 0; i < n; i++) log.line(line);
        assertThat(out.size()).isEqualTo(n * line.length());
        log.line(line);
        assertThat(out.size()).isEqualTo(n * line.length());
        log.release();
        assertThat(out.size()).isEqualTo((n + 1) * line.length());
    }
}
