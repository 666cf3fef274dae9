package org.qmailj.rspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The spawn command decoder, whole and one byte at a time; replies in both widths. */
class SpawnCommandTest {
    static byte[] stream() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(7);
        b.writeBytes("12/345\0s@x\0r@y\0".getBytes(StandardCharsets.ISO_8859_1));
        b.write(0xe8);
        b.write(0x03);
        b.writeBytes("0/1\0\0a@b\0".getBytes(StandardCharsets.ISO_8859_1));
        b.write('5');
        b.writeBytes("3/3\0s\0r@z\0".getBytes(StandardCharsets.ISO_8859_1));
        return b.toByteArray();
    }

    static final List<SpawnCommand> EXPECTED = List.of(
            new SpawnCommand(7, 1, "12/345", "s@x", "r@y"),
            new SpawnCommand(1000, 2, "0/1", "", "a@b"),
            new SpawnCommand('5', 1, "3/3", "s", "r@z"));

    @Test
    void wholeAndOneByteAtATime() {
        List<SpawnCommand> whole = new ArrayList<>();
        byte[] s = stream();
        new SpawnCommand.Decoder(SpawnCommand.Width.AUTO, whole::add).feed(s, 0, s.length);
        assertThat(whole).isEqualTo(EXPECTED);
        List<SpawnCommand> trickle = new ArrayList<>();
        SpawnCommand.Decoder d = new SpawnCommand.Decoder(SpawnCommand.Width.AUTO, trickle::add);
        for (int i = 0; i < s.length; i++) d.feed(s, i, 1);
        assertThat(trickle).isEqualTo(EXPECTED);
    }

    @Test
    void forcedWidths() {
        List<SpawnCommand> got = new ArrayList<>();
        byte[] one = "\u0001/7\0s\0r@h\0".getBytes(StandardCharsets.ISO_8859_1);
        new SpawnCommand.Decoder(SpawnCommand.Width.ONE, got::add).feed(one, 0, one.length);
        assertThat(got).containsExactly(new SpawnCommand(1, 1, "/7", "s", "r@h"));
        got.clear();
        byte[] two = "\u0001\u00337/7\0s\0r@h\0".getBytes(StandardCharsets.ISO_8859_1);
        new SpawnCommand.Decoder(SpawnCommand.Width.TWO, got::add).feed(two, 0, two.length);
        assertThat(got).containsExactly(new SpawnCommand(0x3301, 2, "7/7", "s", "r@h"));
    }

    @Test
    void replies() {
        assertThat(new SpawnCommand(7, 1, "1/2", "", "r@h").reply("Kok\n"))
                .isEqualTo("\u0007Kok\n\0".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(new SpawnCommand(1000, 2, "1/2", "", "r@h").reply("Zlater\n"))
                .isEqualTo("\u00e8\u0003Zlater\n\0".getBytes(StandardCharsets.ISO_8859_1));
    }
}
