package org.qmailj.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.supervise.Service.await;
import static org.qmailj.supervise.Service.quiet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * Every svc command (u d o p c h a i t k x) against a real run script, in both directions:
 * our supervise driven and read by Debian's svc/svstat/svok, and Debian's supervise driven
 * and read by ours. Each step checks what the run script saw (its pids, the signals it
 * trapped, its /proc state), the status bytes and svstat's line.
 */
class SvcCommandsTest {
    @TempDir
    Path tmp;

    /** One side's svc and svstat. */
    private interface Tools {
        void svc(String opts, Path dir) throws IOException;

        String svstat(Path dir) throws IOException;

        int svok(Path dir) throws IOException;
    }

    private static final Tools DEBIAN = new Tools() {
        public void svc(String opts, Path dir) throws IOException {
            Cmd.Result r = Cmd.run(List.of("/usr/bin/svc", opts, dir.toString()));
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.err()).isEmpty();
        }

        public String svstat(Path dir) throws IOException {
            return Cmd.run(List.of("/usr/bin/svstat", dir.toString())).out();
        }

        public int svok(Path dir) throws IOException {
            return Cmd.run(List.of("/usr/bin/svok", dir.toString())).exit();
        }
    };

    private static final Tools OURS = new Tools() {
        public void svc(String opts, Path dir) throws IOException {
            Cmd.Result r = org.qmailj.supervise.Tools.run("org.qmailj.supervise.Svc", opts, dir.toString());
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.err()).isEmpty();
        }

        public String svstat(Path dir) throws IOException {
            return org.qmailj.supervise.Tools.run("org.qmailj.supervise.Svstat", dir.toString()).out();
        }

        public int svok(Path dir) throws IOException {
            Cmd.Result r = org.qmailj.supervise.Tools.run("org.qmailj.supervise.Svok", dir.toString());
            assertThat(r.err()).isEmpty();
            return r.exit();
        }
    };

    @Test
    void debianToolsDriveOurSupervise() throws Exception {
        try (Service s = Service.create(tmp.resolve("svc"), Service.RUN, false, true).start()) {
            everyCommand(s, DEBIAN);
        }
    }

    /**
     * svc -x reaches a supervise whose ./run exits at once and is restarted every second (a
     * log whose input has ended): supervise exits after the run's next exit, as daemontools'
     * does. Each restart's exit used to be handled before the waiting x, forever.
     */
    @Test
    void exitReachesSuperviseOfRunThatExitsAtOnce() throws Exception {
        try (Service s = Service.create(tmp.resolve("svc"), "#!/bin/sh\necho $$ >> pids\nexit 0\n", false, true).start()) {
            await("restarted twice", () -> quiet(() -> s.pids().size() >= 3));
            s.svc("-x");
            await("supervise exits", () -> !s.process().isAlive());
            int runs = s.pids().size();
            assertThat(runs).as("at most the run started before x was read, and its successor").isLessThanOrEqualTo(6);
        }
    }

    @Test
    void ourToolsDriveDebianSupervise() throws Exception {
        try (Service s = Service.create(tmp.resolve("svc"), Service.RUN, false, false).start()) {
            everyCommand(s, OURS);
        }
    }

    @Test
    void debianToolsDriveSvscanInProcess() throws Exception {
        try (Service s = Service.create(tmp.resolve("scan/svc"), Service.RUN, false, true).startInProcess()) {
            everyCommand(s, DEBIAN, false);
        }
    }

    private static void everyCommand(Service s, Tools t) throws Exception {
        everyCommand(s, t, true);
    }

    /** {@code exits}: supervise is its own process, which svc -x ends. */
    private static void everyCommand(Service s, Tools t, boolean exits) throws Exception {
        Path d = s.dir;
        String prefix = d + ": ";
        await("first start", () -> quiet(() -> s.pids().size() == 1));
        long p1 = s.pids().get(0);
        await("status up", () -> quiet(() -> s.decoded().pid() == p1));
        assertThat(t.svok(d)).isZero();
        assertThat(t.svstat(d)).matches(prefix + "up \\(pid " + p1 + "\\) \\d+ seconds\n");
        assertThat(s.status()[17]).isEqualTo((byte) 'u');

        // h, a, i: the signal reaches ./run, which keeps running.
        for (String[] c : new String[][] {{"-h", "HUP"}, {"-a", "ALRM"}, {"-i", "INT"}}) {
            t.svc(c[0], d);
            await(c[1], () -> quiet(() -> s.sigs().contains(c[1])));
        }
        assertThat(s.pids()).containsExactly(p1);

        // p: stopped, flagged paused; c: continued.
        t.svc("-p", d);
        await("stopped", () -> Service.procState(p1).equals("T"));
        await("paused byte", () -> quiet(() -> s.status()[16] == 1));
        assertThat(t.svstat(d)).matches(prefix + "up \\(pid " + p1 + "\\) \\d+ seconds, paused\n");
        t.svc("-c", d);
        await("continued", () -> quiet(() -> s.sigs().contains("CONT")));
        assertThat(Service.procState(p1)).isNotEqualTo("T");
        assertThat(s.status()[16]).isZero();

        // t: ./run exits on TERM and is restarted.
        t.svc("-t", d);
        await("restart after t", () -> quiet(() -> s.pids().size() == 2));
        assertThat(s.sigs()).contains("TERM");
        long p2 = s.pids().get(1);
        await("status p2", () -> quiet(() -> s.decoded().pid() == p2));

        // k: killed, restarted.
        t.svc("-k", d);
        await("restart after k", () -> quiet(() -> s.pids().size() == 3));
        assertThat(Service.procState(p2)).isEqualTo("gone");
        long p3 = s.pids().get(2);
        await("status p3", () -> quiet(() -> s.decoded().pid() == p3));

        // d: TERM, stays down.
        t.svc("-d", d);
        await("down", () -> quiet(() -> s.decoded().pid() == 0));
        assertThat(s.status()[17]).isEqualTo((byte) 'd');
        assertThat(t.svstat(d)).matches(prefix + "down \\d+ seconds, normally up\n");

        // o: up once; when it dies it stays down.
        t.svc("-o", d);
        await("once", () -> quiet(() -> s.pids().size() == 4));
        long p4 = s.pids().get(3);
        await("status p4", () -> quiet(() -> s.decoded().pid() == p4));
        assertThat(s.status()[17]).isZero();
        assertThat(t.svstat(d)).matches(prefix + "up \\(pid " + p4 + "\\) \\d+ seconds\n");
        t.svc("-k", d);
        await("once down", () -> quiet(() -> s.decoded().pid() == 0));
        Thread.sleep(1500);
        assertThat(s.pids()).hasSize(4);
        assertThat(t.svstat(d)).matches(prefix + "down \\d+ seconds, normally up\n");

        // u: up again, wanted up.
        t.svc("-u", d);
        await("up", () -> quiet(() -> s.pids().size() == 5));
        long p5 = s.pids().get(4);
        await("status p5", () -> quiet(() -> s.decoded().pid() == p5));
        assertThat(s.status()[17]).isEqualTo((byte) 'u');

        if (!exits) {
            return;
        }
        // x: supervise stays while ./run runs, exits when it has gone.
        t.svc("-x", d);
        Thread.sleep(500);
        assertThat(s.process().isAlive()).isTrue();
        assertThat(t.svok(d)).isZero();
        t.svc("-d", d);
        assertThat(s.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(s.process().exitValue()).isZero();
        assertThat(Service.procState(p5)).isEqualTo("gone");
        assertThat(t.svok(d)).isEqualTo(100);
        assertThat(t.svstat(d)).isEqualTo(prefix + "supervise not running\n");
        Status last = s.decoded();
        assertThat(last.pid()).isZero();
        assertThat(last.want()).isEqualTo((byte) 'd');
    }
}
