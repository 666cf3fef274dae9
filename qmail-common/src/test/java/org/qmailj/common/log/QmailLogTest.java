package org.qmailj.common.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QmailLogTest {
    @Test
    void linesAsQmailLogShowsThem() {
        assertThat(QmailLog.newMsg(53)).isEqualTo("new msg 53\n");
        assertThat(QmailLog.infoMsg(53, 246, "me@domain", 20345, 666))
                .isEqualTo("info msg 53: bytes 246 from <me@domain> qp 20345 uid 666\n");
        assertThat(QmailLog.startingDelivery(1, 53, true, "me@domain")).isEqualTo("starting delivery 1: msg 53 to local me@domain\n");
        assertThat(QmailLog.status(1, 10, 0, 20)).isEqualTo("status: local 1/10 remote 0/20\n");
        assertThat(QmailLog.delivery(1, QmailLog.Outcome.SUCCESS, "did 1+0+0\n")).isEqualTo("delivery 1: success: did_1+0+0/\n");
        assertThat(QmailLog.delivery(2, QmailLog.Outcome.FAILURE, "Sorry, no mailbox here by that name. (#5.1.1)\n"))
                .isEqualTo("delivery 2: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/\n");
        assertThat(QmailLog.endMsg(53)).isEqualTo("end msg 53\n");
        assertThat(QmailLog.bounceMsg(53, 20346)).isEqualTo("bounce msg 53 qp 20346\n");
    }

    @Test
    void unsafeBytesBecomeUnderscores() {
        assertThat(QmailLog.safe("a%b\tc\u00e9d\u0001e\nf")).isEqualTo("a_b_c_d_e/f");
        assertThat(QmailLog.safe("plain")).isEqualTo("plain");
        assertThat(QmailLog.infoMsg(1, 2, "", 3, 4)).isEqualTo("info msg 1: bytes 2 from <> qp 3 uid 4\n");
    }
}
