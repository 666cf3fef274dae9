package org.qmailj.rspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** qmail-rspawn's mapping of qmail-remote's output to one K/Z/D report. */
class RemoteReportTest {
    static String map(String out) {
        return RemoteReport.of(out.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void accepted() {
        assertThat(map("r\0K1.2.3.4 accepted message.\nRemote host said: 250 ok\n\0"))
                .isEqualTo("K1.2.3.4 accepted message.\nRemote host said: 250 ok\n");
    }

    @Test
    void recipientRefused() {
        assertThat(map("h1.2.3.4 does not like recipient.\nRemote host said: 550 no\n\0DGiving up on 1.2.3.4.\n\0"))
                .isEqualTo("D1.2.3.4 does not like recipient.\nRemote host said: 550 no\nGiving up on 1.2.3.4.\n");
        assertThat(map("s1.2.3.4 does not like recipient.\nRemote host said: 450 later\n\0DGiving up on 1.2.3.4.\n\0"))
                .isEqualTo("Z1.2.3.4 does not like recipient.\nRemote host said: 450 later\nGiving up on 1.2.3.4.\n");
    }

    @Test
    void messageFailures() {
        assertThat(map("ZSorry, I couldn't find any host by that name. (#4.1.2)\n\0"))
                .isEqualTo("ZSorry, I couldn't find any host by that name. (#4.1.2)\n");
        assertThat(map("r\0D1.2.3.4 failed after I sent the message.\nRemote host said: 554 no\n\0"))
                .isEqualTo("D1.2.3.4 failed after I sent the message.\nRemote host said: 554 no\n");
        assertThat(map("r\0ZConnected to 1.2.3.4 but connection died. Possible duplicate! (#4.4.2)\n\0"))
                .isEqualTo("ZConnected to 1.2.3.4 but connection died. Possible duplicate! (#4.4.2)\n");
    }

    @Test
    void oddOutputs() {
        assertThat(map("")).isEqualTo("Zqmail-remote produced no output.\n");
        assertThat(map("r\0")).isEqualTo("D");
        assertThat(map("Kno terminator")).isEqualTo("D");
    }
}
