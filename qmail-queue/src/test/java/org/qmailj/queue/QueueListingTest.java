package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** qmail-qstat and qmail-qread on a queue laid out by hand as C qmail writes it. */
class QueueListingTest {
    @TempDir Path dir;

    /** A preprocessed message as qmail-send leaves it: mess, info, local/remote, maybe bounce. */
    static void message(TestHome t, long n, String body, String sender, String local, String remote, Instant when)
            throws Exception {
        Files.write(t.queue.mess(n), bytes(body));
        Files.write(t.queue.info(n), bytes("F" + sender + "\0"));
        Files.setLastModifiedTime(t.queue.info(n), FileTime.from(when));
        if (local != null) Files.write(t.queue.local(n), bytes(local));
        if (remote != null) Files.write(t.queue.remote(n), bytes(remote));
    }

    @Test
    void qreadAndQstatOnACQmailQueue() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        message(t, 104545, "x".repeat(1234), "sender@host.example", "Tme@here\0", "Dyou@there\0Tthem@elsewhere\0",
                Instant.parse("1997-07-28T18:27:11Z"));
        message(t, 47, "abc", "", "Dpostmaster@here\0", null, Instant.parse("2026-01-05T09:08:07Z"));
        Files.write(t.queue.bounce(47), bytes("<x@y>:\nno.\n\n"));
        // A message not yet preprocessed: mess + intd + todo only.
        Files.write(t.queue.mess(70), bytes("Received: ...\n"));
        Files.write(t.queue.intd(70), bytes("u0\0p1\0Fa\0Tb\0"));
        Files.createLink(t.queue.todo(70), t.queue.intd(70));
        // Something qmail-qread cannot read: info without mess.
        Files.write(t.queue.info(93), bytes("Fz\0"));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(QmailQread.run(t.home, out, System.err)).isZero();
        // Split order: 47 % 23 = 1, 93 % 23 = 1, 104545 % 23 = 10.
        assertThat(out.toString()).isEqualTo(
                "5 Jan 2026 09:08:07 GMT  #47  3  <>  bouncing\n"
                + "  done\tlocal\tpostmaster@here\n"
                + "warning: trouble with #93\n"
                + "28 Jul 1997 18:27:11 GMT  #104545  1234  <sender@host.example> \n"
                + "\tlocal\tme@here\n"
                + "  done\tremote\tyou@there\n"
                + "\tremote\tthem@elsewhere\n");

        ByteArrayOutputStream st = new ByteArrayOutputStream();
        assertThat(QmailQstat.run(t.home, new PrintStream(st), System.err)).isZero();
        assertThat(st.toString()).isEqualTo("messages in queue: 3\nmessages in queue but not yet preprocessed: 1\n");
    }

    @Test
    void emptyAndMissingQueues() throws Exception {
        TestHome t = TestHome.sandbox(dir.resolve("h"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(QmailQread.run(t.home, out, System.err)).isZero();
        assertThat(out.toString()).isEmpty();
        ByteArrayOutputStream st = new ByteArrayOutputStream();
        assertThat(QmailQstat.run(t.home, new PrintStream(st), System.err)).isZero();
        assertThat(st.toString()).isEqualTo("messages in queue: 0\nmessages in queue but not yet preprocessed: 0\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        org.qmailj.common.QmailHome none = new org.qmailj.common.QmailHome(dir.resolve("none"));
        assertThat(QmailQread.run(none, out, new PrintStream(err))).isEqualTo(111);
        assertThat(QmailQstat.run(none, new PrintStream(st), new PrintStream(err))).isEqualTo(111);
        assertThat(err.toString()).contains("qmail-qread: fatal: unable to read").contains("qmail-qstat: fatal: unable to read");
    }
}
