package org.qmailj.analog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.analog.SyntheticLog.stamp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.qmailj.common.log.QmailLog;
import org.qmailj.common.log.QmailLog.Outcome;

/**
 * A log with a known mix, written with qmail-send's own line formatting, through matchup and
 * every report; the expected figures are worked out by hand in the comments.
 */
class ReportsTest {
    /*
     * msg 101: 1000 bytes from <A@Example.COM> uid 100, born 0, ended 13:
     *   d1 local alice  0..3 wait 1..3   success          (xdelay 2,   ddelay 3)
     *   d2 remote bob   1..4             deferral         (xdelay 3)
     *   d3 remote bob   10..12.5         success          (xdelay 2.5, ddelay 12.5)
     * msg 102: 200 bytes from <b@x> uid 200, born 2, ended 3:
     *   d4 local carol  2.25..2.75       failure, bounce  (xdelay 0.5)
     * msg 103: 5000 bytes from <a@example.com> uid 100, born 20, ended 26:
     *   d5 local alice  20..21           success          (xdelay 1,   ddelay 1)
     *   d6 local dave   20.5..26         success          (xdelay 5.5, ddelay 6)
     * msg 104: 70 bytes, born 30, d7 started 31, no end: pending.
     */
    static String log() {
        return new SyntheticLog()
                .at(0, QmailLog.status(0, 10, 0, 20))
                .at(0, QmailLog.newMsg(101))
                .at(0, QmailLog.infoMsg(101, 1000, "A@Example.COM", 11, 100))
                .at(1, QmailLog.startingDelivery(1, 101, true, "alice@example.com"))
                .at(1, QmailLog.startingDelivery(2, 101, false, "bob@far.example"))
                .at(2, QmailLog.newMsg(102))
                .at(2, QmailLog.infoMsg(102, 200, "b@x", 12, 200))
                .at(2.25, QmailLog.startingDelivery(4, 102, true, "carol@example.com"))
                .at(2.75, QmailLog.delivery(4, Outcome.FAILURE, "Sorry, no mailbox here by that name. (#5.1.1)\n"))
                .at(2.75, QmailLog.bounceMsg(102, 13))
                .at(3, QmailLog.delivery(1, Outcome.SUCCESS, "did 1+0+0\n"))
                .at(3, QmailLog.endMsg(102))
                .at(4, QmailLog.delivery(2, Outcome.DEFERRAL, "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"))
                .at(5, QmailLog.warning("trouble opening remote/3/101; will try again later"))
                .at(10, QmailLog.startingDelivery(3, 101, false, "bob@far.example"))
                .at(12.5, QmailLog.delivery(3, Outcome.SUCCESS, "1.2.3.4 accepted message./Remote host said: 250 ok\n"))
                .at(13, QmailLog.endMsg(101))
                .at(20, QmailLog.newMsg(103))
                .at(20, QmailLog.infoMsg(103, 5000, "a@example.com", 14, 100))
                .at(20, QmailLog.startingDelivery(5, 103, true, "Alice@example.com"))
                .at(20.5, QmailLog.startingDelivery(6, 103, true, "dave@example.com"))
                .at(21, QmailLog.delivery(5, Outcome.SUCCESS, "did 1+0+0\n"))
                .at(26, QmailLog.delivery(6, Outcome.SUCCESS, "did 1+0+0\n"))
                .at(26, QmailLog.endMsg(103))
                .at(30, QmailLog.newMsg(104))
                .at(30, QmailLog.infoMsg(104, 70, "c@y", 15, 300))
                .at(31, QmailLog.startingDelivery(7, 104, false, "e@far.example"))
                .toString();
    }

    static String matchup(String log, StringWriter pending) throws IOException {
        StringWriter out = new StringWriter();
        Matchup m = new Matchup(out);
        m.read(new ByteArrayInputStream(log.getBytes(StandardCharsets.ISO_8859_1)), new LogStamps());
        if (pending != null) m.pending(pending);
        return out.toString();
    }

    static String report(Report r, String matchup) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Report.run(r, new ByteArrayInputStream(matchup.getBytes(StandardCharsets.ISO_8859_1)), out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void matchupJoinsEachMessagesLinesIntoMAndDLines() throws IOException {
        StringWriter pending = new StringWriter();
        String out = matchup(log(), pending);
        assertThat(out).isEqualTo(String.join("\n",
                "d d " + stamp(2) + " " + stamp(2.25) + " " + stamp(2.75) + " 200 <b@x> local.carol@example.com 12 200 Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/",
                "? " + stamp(2.75) + " bounce msg 102 qp 13",
                "d k " + stamp(0) + " " + stamp(1) + " " + stamp(3) + " 1000 <a@example.com> local.alice@example.com 11 100 did_1+0+0/",
                "m " + stamp(2) + " " + stamp(3) + " 200 0 1 0 <b@x> 12 200",
                "d z " + stamp(0) + " " + stamp(1) + " " + stamp(4) + " 1000 <a@example.com> remote.bob@far.example 11 100 Sorry,_I_wasn't_able_to_establish_an_SMTP_connection._(#4.4.1)/",
                stamp(5) + " warning: trouble opening remote/3/101; will try again later",
                "d k " + stamp(0) + " " + stamp(10) + " " + stamp(12.5) + " 1000 <a@example.com> remote.bob@far.example 11 100 1.2.3.4_accepted_message./Remote_host_said:_250_ok/",
                "m " + stamp(0) + " " + stamp(13) + " 1000 2 0 1 <a@example.com> 11 100",
                "d k " + stamp(20) + " " + stamp(20) + " " + stamp(21) + " 5000 <a@example.com> local.alice@example.com 14 100 did_1+0+0/",
                "d k " + stamp(20) + " " + stamp(20.5) + " " + stamp(26) + " 5000 <a@example.com> local.dave@example.com 14 100 did_1+0+0/",
                "m " + stamp(20) + " " + stamp(26) + " 5000 2 0 0 <a@example.com> 14 100",
                ""));
        // The message without its end, and its delivery, as qmailanalog's matchup leaves them on fd 5.
        assertThat(pending.toString()).isEqualTo(String.join("\n",
                stamp(30) + " info msg 104: bytes 70 from <c@y> qp 15 uid 300",
                stamp(30) + " extra 104 0 0 0",
                stamp(31) + " starting delivery 7: msg 104 to remote e@far.example",
                ""));
    }

    @Test
    void pendingStateCarriesOverToTheNextLog() throws IOException {
        StringWriter pending = new StringWriter();
        matchup(log(), pending);
        String next = new SyntheticLog()
                .at(40, QmailLog.delivery(7, Outcome.DEFERRAL, "timeout\n"))
                .at(50, QmailLog.startingDelivery(8, 104, false, "e@far.example"))
                .at(52, QmailLog.delivery(8, Outcome.SUCCESS, "ok\n"))
                .at(52, QmailLog.endMsg(104))
                .toString();
        String out = matchup(pending + next, null);
        assertThat(out).isEqualTo(String.join("\n",
                "d z " + stamp(30) + " " + stamp(31) + " " + stamp(40) + " 70 <c@y> remote.e@far.example 15 300 timeout/",
                "d k " + stamp(30) + " " + stamp(50) + " " + stamp(52) + " 70 <c@y> remote.e@far.example 15 300 ok/",
                "m " + stamp(30) + " " + stamp(52) + " 70 1 0 1 <c@y> 15 300",
                ""));
    }

    @Test
    void qmailSendExitingForgetsItsDeliveriesNumbersStartOver() throws IOException {
        String log = new SyntheticLog()
                .at(0, QmailLog.newMsg(5))
                .at(0, QmailLog.infoMsg(5, 10, "s@x", 1, 2))
                .at(1, QmailLog.startingDelivery(1, 5, true, "old@x"))
                .at(2, QmailLog.statusExiting())
                .at(3, QmailLog.startingDelivery(1, 5, true, "new@x"))
                .at(4, QmailLog.delivery(1, Outcome.SUCCESS, "ok"))
                .at(4, QmailLog.endMsg(5))
                .toString();
        StringWriter pending = new StringWriter();
        assertThat(matchup(log, pending)).isEqualTo(
                "d k " + stamp(0) + " " + stamp(3) + " " + stamp(4) + " 10 <s@x> local.new@x 1 2 ok\n"
                + "m " + stamp(0) + " " + stamp(4) + " 10 1 0 0 <s@x> 1 2\n");
        assertThat(pending.toString()).isEmpty();
    }

    @Test
    void zoverall() throws IOException {
        // 3 messages; recipients 2+1+2; tries 3+1+2; bytes 1000+200+5000; weighted 1000*2+5000*2;
        // qtime 13+1+6 = 20; ddelay 3+12.5+1+6 = 22.5; xdelay 2+3+2.5+0.5+1+5.5 = 14.5; span 0..26.
        assertThat(report(new ZOverall(), matchup(log(), null))).isEqualTo(ZOverall.HEADER + """
                Completed messages: 3
                Recipients for completed messages: 5
                Total delivery attempts for completed messages: 6
                Average delivery attempts per completed message: 2
                Bytes in completed messages: 6200
                Bytes weighted by success: 12000
                Average message qtime (s): 6.66667

                Total delivery attempts: 6
                  success: 4
                  failure: 1
                  deferral: 1
                Total ddelay (s): 22.500000
                Average ddelay per success (s): 5.625000
                Total xdelay (s): 14.500000
                Average xdelay per delivery attempt (s): 2.416667
                Time span (days): 0.000300926
                Average concurrency: 0.557692
                """);
    }

    @Test
    void zfailuresZdeferralsZsuccesses() throws IOException {
        String m = matchup(log(), null);
        assertThat(report(new ZFailures(), m)).endsWith("""
                * xdelay is the total xdelay on those deliveries.

                del  xdelay  reason
                  1    0.50  Sorry, no mailbox here by that name. (#5.1.1)/
                """).startsWith("Reasons for failure\n\nOne line per reason for delivery failure.");
        assertThat(report(new ZDeferrals(), m)).endsWith("""
                del  xdelay  reason
                  1    3.00  Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)/
                """).startsWith("Reasons for deferral\n\nOne line per reason for deferral.");
        // did 1+0+0: d1 2 + d5 1 + d6 5.5.
        assertThat(report(new ZSuccesses(), m)).endsWith("""
                del  xdelay  reason
                  1    2.50  1.2.3.4 accepted message./Remote host said: 250 ok/
                  3    8.50  did 1+0+0/
                """).startsWith("Reasons for success\n\n");
    }

    @Test
    void zrecipients() throws IOException {
        // Sorted as sort -k4: by the xdelay text, then the line.
        assertThat(report(new ZRecipients(), matchup(log(), null))).endsWith("""
                * xdelay is the total xdelay incurred by this recipient.

                sbytes  mess  tries  xdelay  recipient
                     0     1      1    0.50  local.carol@example.com
                  6000     2      2    3.00  local.alice@example.com
                  5000     1      1    5.50  local.dave@example.com
                  1000     1      2    5.50  remote.bob@far.example
                """).startsWith("Recipients\n\n");
    }

    @Test
    void zsendersAndZsuids() throws IOException {
        String m = matchup(log(), null);
        // uid 100: msgs 101 and 103; sbytes 1000*2+5000*2; xdelay 2+3+2.5+1+5.5.
        assertThat(report(new ZSenders(), m)).endsWith("""
                mess  bytes  sbytes  rbytes  recips  tries     xdelay  sender
                   1    200       0     200       1      1   0.500000  200/<b@x>
                   2   6000   12000   12000       4      5  14.000000  100/<a@example.com>
                """).startsWith("Senders\n\nOne line per sender.");
        assertThat(report(new ZSuids(), m)).endsWith("""
                * xdelay is the total xdelay incurred by this uid.

                mess  bytes  sbytes  rbytes  recips  tries     xdelay  uid
                   1    200       0     200       1      1   0.500000  200
                   2   6000   12000   12000       4      5  14.000000  100
                """).startsWith("Sender uids\n\nOne line per sender uid.");
    }

    @Test
    void zddist() throws IOException {
        // columnt leaves the last column unpadded.
        // ddelays 1, 3, 6, 12.5: each a quarter of the successes; avg of 1..12.5 = 5.625 -> 5.62.
        assertThat(report(new ZDdist(), matchup(log(), null))).isEqualTo("""
                Distribution of ddelays for successful deliveries

                Meaning of each line: The first pct% of successful deliveries
                all happened within doneby seconds. The average ddelay was avg.

                doneby   avg  pct
                  1.00  1.00  25
                  3.00  2.00  50
                  6.00  3.33  75
                 12.50  5.62  100
                """);
    }

    @Test
    void reportsOfAnEmptyLog() throws IOException {
        assertThat(report(new ZOverall(), "")).isEqualTo(ZOverall.HEADER + "Completed messages: 0\n\nTotal delivery attempts: 0\n");
        assertThat(report(new ZFailures(), "")).endsWith("\n\ndel  xdelay  reason\n");
        assertThat(report(new ZDdist(), "")).endsWith("\n\ndoneby  avg  pct\n");
    }
}
