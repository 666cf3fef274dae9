package org.qmailj.lspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailHome;
import org.qmailj.common.spawn.SpawnCheck;
import org.qmailj.common.spawn.SpawnProtocol;
import org.qmailj.common.sys.Fd;

/**
 * qmail-lspawn's command loop in this JVM: whatever a delivery thread throws (an exception,
 * an OutOfMemoryError) becomes a Z report and frees the delivery number, so the next command
 * with that number runs; refused commands never reach a delivery; the message each delivery
 * gets is open, and closed after it.
 */
class ServeTest {
    @TempDir
    Path home;

    /** Delivery numbers without a 0 byte, so the test's input counts commands by their NULs. */
    static final int D5 = 0x0505;
    static final int D6 = 0x0606;
    static final int D7 = 0x0707;

    @Test
    void everyDeliveryReportsWhateverItThrowsAndFreesItsSlot() throws Exception {
        Path mess = Files.createDirectories(home.resolve("queue/mess/3"));
        Files.writeString(mess.resolve("26"), "Subject: t\n\nbody\n");
        int me = (Integer) Files.getAttribute(home.resolve("queue/mess"), "unix:uid");
        SpawnProtocol p = QmailLspawn.PROTOCOL;
        ByteArrayOutputStream cmds = new ByteArrayOutputStream();
        for (String rcpt : List.of("oom@x", "npe@x", "ok@x")) cmds.writeBytes(p.command(D5, "3/26", "s@x", rcpt));
        cmds.writeBytes(p.command(D6, "/etc/shadow", "s@x", "r@x"));
        cmds.writeBytes(p.command(D7, "3/27", "s@x", "r@x"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AtomicInteger calls = new AtomicInteger();
        List<Integer> fds = new ArrayList<>();
        // The commands for delivery D5 wait for the previous one to end, as qmail-send's would.
        InputStream in = new SequencedInput(cmds.toByteArray(), out, p);
        try (SpawnCheck check = new SpawnCheck(home.resolve("queue/mess"), me)) {
            QmailLspawn l = new QmailLspawn(new QmailHome(home), "./Maildir/", out, null, false, check);
            l.serve(in, (c, msg) -> {
                calls.incrementAndGet();
                synchronized (fds) {
                    fds.add(msg.fd());
                }
                return switch (c.recipient()) {
                    case "oom@x" -> throw new OutOfMemoryError("Java heap space");
                    case "npe@x" -> throw new NullPointerException();
                    default -> "Kdid 1+0+0\n";
                };
            });
        }
        InputStream r = new ByteArrayInputStream(out.toByteArray());
        List<String> got = new ArrayList<>();
        SpawnProtocol.Report rep;
        while ((rep = p.readReport(r)) != null) got.add(rep.delnum() + ":" + rep.text());
        assertThat(got).containsExactlyInAnyOrder(
                D5 + ":ZOut of memory in qmail-lspawn.\n",
                D5 + ":ZTemporary failure in qmail-lspawn.\n",
                D5 + ":Kdid 1+0+0\n",
                D6 + ":DInternal error: messid has nonnumerics. (#5.3.5)\n",
                D7 + ":Zqmail-spawn unable to open message. (#4.3.0)\n");
        assertThat(calls).hasValue(3);
        // Each delivery's message was closed after it (fstat on a closed descriptor fails).
        for (int fd : fds) assertThat(isOpen(fd)).isFalse();
    }

    private static boolean isOpen(int fd) {
        try {
            Fd.stat(fd);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Commands given one at a time: the next command for delivery D5 only once the report for
     * the previous one is out (qmail-send reuses a number only after its report).
     */
    static final class SequencedInput extends InputStream {
        private final ByteArrayInputStream cmds;
        private final ByteArrayOutputStream out;
        private final SpawnProtocol p;
        private int given;

        SequencedInput(byte[] cmds, ByteArrayOutputStream out, SpawnProtocol p) {
            this.cmds = new ByteArrayInputStream(cmds);
            this.out = out;
            this.p = p;
        }

        private int nuls;
        private boolean commandDone;

        @Override
        public int read() {
            if (commandDone) {
                commandDone = false;
                awaitReports();
            }
            int c = cmds.read();
            if (c == 0 && ++nuls % 3 == 0) commandDone = true;
            return c;
        }

        /** Before the next command: as many reports as delivery commands given so far. */
        private void awaitReports() {
            given++;
            if (given > 3) return; // the refused ones are answered without a delivery
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (reports() < given) {
                if (System.nanoTime() > deadline) throw new AssertionError("no report for command " + given);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private int reports() {
            byte[] b;
            synchronized (out) {
                b = out.toByteArray();
            }
            int n = 0;
            try {
                InputStream in = new ByteArrayInputStream(b);
                while (p.readReport(in) != null) n++;
            } catch (Exception e) {
                // a report being written
            }
            return n;
        }
    }
}
