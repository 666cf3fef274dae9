package org.qmailj.common.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.qmailj.common.log.QmailLog;

/**
 * The spawn protocol on arbitrary bytes, both directions: a spawner's hello and reports as
 * qmail-send reads them, and qmail-send's commands as a spawner reads them. Each is either
 * refused with an IOException or read back to items that encode to exactly the bytes read,
 * with a delivery number the hello allows; a report's text makes one safe log line.
 */
class SpawnProtocolFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void reports(byte[] b) {
        ByteArrayInputStream in = new ByteArrayInputStream(b);
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        try {
            SpawnProtocol p = SpawnProtocol.hello(in);
            assertThat(p.max()).isBetween(0, 65535);
            again.writeBytes(p.helloBytes());
            SpawnProtocol.Report r;
            while ((r = p.readReport(in)) != null) {
                assertThat(r.delnum()).isBetween(0, p.width() == 1 ? 255 : 65535);
                assertThat(r.text()).doesNotContain("\0");
                again.writeBytes(p.report(r.delnum(), r.text()));
                String line = QmailLog.delivery(1, QmailLog.Outcome.SUCCESS, r.text());
                assertThat(line).endsWith("\n");
                assertThat(line.substring(0, line.length() - 1)).matches("[\\x21-\\x7e ]*");
            }
        } catch (IOException refused) {
            return;
        }
        assertThat(again.toByteArray()).isEqualTo(b);
    }

    @FuzzTest(maxDuration = "5m")
    void commands(byte[] b) {
        if (b.length == 0) return;
        SpawnProtocol p = (b[0] & 1) == 0 ? SpawnProtocol.classic(255) : SpawnProtocol.wide(1000);
        ByteArrayInputStream in = new ByteArrayInputStream(b, 1, b.length - 1);
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        again.write(b[0]);
        try {
            SpawnProtocol.Command c;
            while ((c = p.readCommand(in)) != null) {
                assertThat(c.delnum()).isBetween(0, p.width() == 1 ? 255 : 65535);
                again.writeBytes(p.command(c.delnum(), c.path(), c.sender(), c.recipient()));
                String verp = SpawnProtocol.senderFor(c.sender(), c.recipient());
                assertThat(verp).doesNotContain("\0");
                if (!c.sender().endsWith("-@[]")) assertThat(verp).isEqualTo(c.sender());
            }
        } catch (IOException refused) {
            return;
        }
        assertThat(again.toByteArray()).isEqualTo(b);
    }
}
