package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * qmail-inject's header parser on arbitrary input: the fields it reads plus the first body
 * line and the rest give back the input (nothing lost or invented but the newline it adds to
 * an unended last field), every field name is printable ASCII without space, and rewriting a
 * field's addresses never throws and finds the same addresses whatever they are turned into.
 */
class InjectHeaderFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void header(byte[] b) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(b);
        List<QmailInject.Field> fields = new ArrayList<>();
        byte[] first = QmailInject.readHeader(in, fields);
        byte[] rest = in.readAllBytes();

        String input = new String(b, StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        for (QmailInject.Field f : fields) {
            assertThat(f.name()).isNotEmpty().matches("[\\x21-\\x7e]+").doesNotContain(":");
            assertThat(f.text()).startsWith(f.name() + ":").endsWith("\n");
            assertThat(f.key()).isEqualTo(f.name().toLowerCase(java.util.Locale.ROOT));
            again.writeBytes(f.text().getBytes(StandardCharsets.ISO_8859_1));
        }
        String parsed = again.toString(StandardCharsets.ISO_8859_1);
        String tail = (first == null ? "" : new String(first, StandardCharsets.ISO_8859_1))
                + new String(rest, StandardCharsets.ISO_8859_1);
        // The fields are a prefix of the input (give or take a newline added to an unended
        // last line), followed by an optional blank line, then the body.
        assertThat(input).endsWith(tail);
        String head = input.substring(0, input.length() - tail.length());
        String fieldsPart = head;
        if (head.equals("\n") || head.equals("\r\n")) fieldsPart = "";
        else if (head.endsWith("\n\n")) fieldsPart = head.substring(0, head.length() - 1);
        else if (head.endsWith("\n\r\n")) fieldsPart = head.substring(0, head.length() - 2);
        if (first == null && rest.length == 0 && !fieldsPart.isEmpty() && !fieldsPart.endsWith("\n")) fieldsPart += "\n";
        assertThat(parsed).isEqualTo(fieldsPart);

        for (QmailInject.Field f : fields) {
            List<String> seen = new ArrayList<>();
            List<String> found = new ArrayList<>();
            String rewritten = AddressList.rewrite(f.value(), a -> {
                seen.add(a);
                return "<" + a + ">";
            }, found);
            List<String> seenPlain = new ArrayList<>();
            AddressList.rewrite(f.value(), a -> {
                seenPlain.add(a);
                return a;
            }, new ArrayList<>());
            assertThat(rewritten).isNotNull();
            assertThat(seen).isEqualTo(seenPlain);
            assertThat(found).hasSameSizeAs(seen);
        }
    }
}
