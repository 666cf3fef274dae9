package org.qmailj.common.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SpawnProtocolTest {
    private static InputStream oneByteAtATime(byte[] b) {
        return new FilterInputStream(new ByteArrayInputStream(b)) {
            @Override public int read(byte[] buf, int off, int len) throws IOException {
                return super.read(buf, off, Math.min(1, len));
            }
        };
    }

    private static String s(byte[] b) { return new String(b, StandardCharsets.ISO_8859_1); }

    @Test
    void classicBytes() throws IOException {
        SpawnProtocol p = SpawnProtocol.hello(new ByteArrayInputStream(new byte[] {120}));
        assertThat(p.max()).isEqualTo(120);
        assertThat(p.width()).isEqualTo(1);
        assertThat(s(p.command(7, "5/457", "me@domain", "you@there"))).isEqualTo("\u00075/457\0me@domain\0you@there\0");
        SpawnProtocol.Report r = p.readReport(oneByteAtATime("\u0007Kdid 1+0+0\n\0".getBytes(StandardCharsets.ISO_8859_1)));
        assertThat(r).isEqualTo(new SpawnProtocol.Report(7, "Kdid 1+0+0\n"));
    }

    @Test
    void wideBytes() throws IOException {
        SpawnProtocol p = SpawnProtocol.hello(oneByteAtATime(new byte[] {0, (byte) 0x10, 0x27}));
        assertThat(p.max()).isEqualTo(10000);
        assertThat(p.helloBytes()).containsExactly(0, 0x10, 0x27);
        byte[] c = p.command(0x1234, "0/23", "", "a@b");
        assertThat(c[0]).isEqualTo((byte) 0x34);
        assertThat(c[1]).isEqualTo((byte) 0x12);
        SpawnProtocol.Command back = p.readCommand(oneByteAtATime(c));
        assertThat(back).isEqualTo(new SpawnProtocol.Command(0x1234, "0/23", "", "a@b"));
        assertThat(p.readReport(oneByteAtATime(p.report(300, "ZTry later.\n")))).isEqualTo(new SpawnProtocol.Report(300, "ZTry later.\n"));
    }

    @Test
    void endOfInput() throws IOException {
        SpawnProtocol p = SpawnProtocol.classic(10);
        assertThat(p.readReport(new ByteArrayInputStream(new byte[0]))).isNull();
        assertThatThrownBy(() -> p.readReport(new ByteArrayInputStream(new byte[] {1, 'K'}))).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> SpawnProtocol.hello(new ByteArrayInputStream(new byte[0]))).isInstanceOf(EOFException.class);
    }

    @Test
    void reportCutAtNul() throws IOException {
        SpawnProtocol p = SpawnProtocol.classic(10);
        assertThat(s(p.report(3, "Kok\0junk"))).isEqualTo("\u0003Kok\0");
        SpawnProtocol w = SpawnProtocol.wide(1000);
        byte[] r = w.report(700, "Zlater\n\0\0more\0");
        assertThat(s(r)).isEqualTo("\u00bc\u0002Zlater\n\0");
        assertThat(w.readReport(new ByteArrayInputStream(r))).isEqualTo(new SpawnProtocol.Report(700, "Zlater\n"));
    }

    @Test
    void verp() {
        assertThat(SpawnProtocol.senderFor("owner-@host-@[]", "box@rhost")).isEqualTo("owner-box=rhost@host");
        assertThat(SpawnProtocol.senderFor("owner-@host", "box@rhost")).isEqualTo("owner-@host");
        assertThat(SpawnProtocol.senderFor("", "box@rhost")).isEmpty();
    }

    @Test
    void aHugeReportIsCutAndTheNextOneStillReads() throws IOException {
        SpawnProtocol p = SpawnProtocol.classic(10);
        byte[] huge = new byte[SpawnProtocol.MAX_REPORT * 3];
        java.util.Arrays.fill(huge, (byte) 'x');
        huge[0] = 'Z';
        java.io.ByteArrayOutputStream in = new java.io.ByteArrayOutputStream();
        in.write(3);
        in.writeBytes(huge);
        in.write(0);
        in.writeBytes(p.report(4, "Kok"));
        InputStream stream = new ByteArrayInputStream(in.toByteArray());
        SpawnProtocol.Report first = p.readReport(stream);
        assertThat(first.delnum()).isEqualTo(3);
        assertThat(first.text()).hasSize(SpawnProtocol.MAX_REPORT).startsWith("Zxxx");
        assertThat(p.readReport(stream)).isEqualTo(new SpawnProtocol.Report(4, "Kok"));
    }

    @Test
    void anOverlongCommandFieldIsRefused() {
        SpawnProtocol p = SpawnProtocol.classic(10);
        byte[] path = new byte[SpawnProtocol.MAX_FIELD + 1];
        java.util.Arrays.fill(path, (byte) '1');
        java.io.ByteArrayOutputStream in = new java.io.ByteArrayOutputStream();
        in.write(1);
        in.writeBytes(path);
        in.write(0);
        assertThatThrownBy(() -> p.readCommand(new ByteArrayInputStream(in.toByteArray())))
                .isInstanceOf(IOException.class).hasMessageContaining("longer than");
    }
}
