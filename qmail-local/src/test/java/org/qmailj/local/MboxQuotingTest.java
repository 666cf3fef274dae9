package org.qmailj.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * mbox quoting as a stream ({@link Mbox.Quoting}): the same bytes as qmail's line-by-line
 * gfrom rule whatever the chunk boundaries, including a line start split inside ">>From ".
 */
class MboxQuotingTest {
    /** qmail's rule, line by line, as a reference. */
    static byte[] reference(byte[] msg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < msg.length) {
            int nl = i;
            while (nl < msg.length && msg[nl] != '\n') nl++;
            int end = nl < msg.length ? nl + 1 : nl;
            int k = i;
            while (k < end && msg[k] == '>') k++;
            if (end - k >= 5 && new String(msg, k, 5, StandardCharsets.ISO_8859_1).equals("From ")) out.write('>');
            out.write(msg, i, end - i);
            if (nl == msg.length) out.write('\n');
            i = end;
        }
        out.write('\n');
        return out.toByteArray();
    }

    static byte[] streamed(byte[] msg, Random chunks) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Mbox.Quoting q = new Mbox.Quoting(out);
        int i = 0;
        while (i < msg.length) {
            int n = Math.min(msg.length - i, chunks.nextInt(7));
            q.write(msg, i, n);
            i += n;
        }
        q.finish();
        return out.toByteArray();
    }

    @Test
    void sameBytesAsQmailsRuleForAnyChunking() throws Exception {
        String[] pieces = {"From ", ">From ", ">>>From x", "From", ">", "Fro", "\n", "text ", ">Frm ", " From ", "\n\n"};
        Random r = new Random(12);
        for (int round = 0; round < 3000; round++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(12);
            for (int k = 0; k < n; k++) b.append(pieces[r.nextInt(pieces.length)]);
            byte[] msg = b.toString().getBytes(StandardCharsets.ISO_8859_1);
            assertThat(new String(streamed(msg, r), StandardCharsets.ISO_8859_1)).as(b.toString())
                    .isEqualTo(new String(reference(msg), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void examples() {
        assertThat(new String(Mbox.quoted("From a\n>From b\nx From c\n>>From d".getBytes(StandardCharsets.ISO_8859_1)),
                StandardCharsets.ISO_8859_1)).isEqualTo(">From a\n>>From b\nx From c\n>>>From d\n\n");
        assertThat(Mbox.quoted(new byte[0])).containsExactly('\n');
    }
}
