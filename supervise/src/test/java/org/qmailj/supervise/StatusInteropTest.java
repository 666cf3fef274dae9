package org.qmailj.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.supervise.Service.await;
import static org.qmailj.supervise.Service.quiet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.tai.Tai64n;
import org.qmailj.testing.Cmd;

/**
 * supervise/status byte by byte against what Debian's supervise writes for the same states
 * (timestamps and pids normalised), svstat's text for those states, the lock, the restart
 * pause, and svstat/svok/svc error texts against Debian's.
 */
class StatusInteropTest {
    @TempDir
    Path tmp;

    /** Timestamp zeroed (after checking it is near now), pid reduced to "some" or "none". */
    private static byte[] normalised(byte[] status) {
        assertThat(status).hasSize(18);
        long label = Tai64n.unpack(status, 0).label();
        long now = Tai64n.now().label();
        assertThat(label).isBetween(now - 120, now + 1);
        byte[] n = status.clone();
        Arrays.fill(n, 0, 12, (byte) 0);
        boolean up = n[12] != 0 || n[13] != 0 || n[14] != 0 || n[15] != 0;
        Arrays.fill(n, 12, 16, (byte) 0);
        n[12] = (byte) (up ? 1 : 0);
        return n;
    }

    private static String svstatText(Service s) throws IOException {
        String out = Cmd.run(List.of("/usr/bin/svstat", s.dir.toString())).out();
        return out.replace(s.dir.toString(), "DIR").replaceAll("pid \\d+", "pid N")
                .replaceAll("\\d+ seconds", "N seconds");
    }

    private void same(Service ours, Service debian, String state) throws IOException {
        assertThat(normalised(ours.status())).as(state)
                .containsExactly(normalised(debian.status()));
        assertThat(svstatText(ours)).as(state).isEqualTo(svstatText(debian));
    }

    /** Both supervise processes have handled the last command alike (each in its own time). */
    private void awaitSame(Service ours, Service debian, String state) throws IOException {
        Service.awaitQuietly(() -> {
            try {
                same(ours, debian, state);
                return true;
            } catch (AssertionError | IOException e) {
                return false;
            }
        });
        same(ours, debian, state);
    }

    @Test
    void statusBytesMatchDebianForEveryState() throws Exception {
        try (Service ours = Service.create(tmp.resolve("ours"), Service.RUN, false, true).start();
                Service deb = Service.create(tmp.resolve("deb"), Service.RUN, false, false).start()) {
            Service[] both = {ours, deb};
            awaitPids(both, 1);
            // The run script may record its pid before supervise has written status: wait for both.
            await("up in status", () -> quiet(() -> ours.decoded().pid() != 0 && deb.decoded().pid() != 0));
            same(ours, deb, "up");
            assertThat(normalised(ours.status())).containsExactly(
                    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 'u');
            // The pid bytes are the run script's pid, little-endian.
            assertThat(ours.decoded().pid()).isEqualTo(ours.pids().get(0));

            for (Service s : both) {
                s.svc("-p");
            }
            await("paused", () -> quiet(() -> ours.status()[16] == 1 && deb.status()[16] == 1));
            same(ours, deb, "paused");
            for (Service s : both) {
                s.svc("-d");
            }
            await("down", () -> quiet(() -> ours.decoded().pid() == 0 && deb.decoded().pid() == 0));
            same(ours, deb, "down");
            for (Service s : both) {
                s.svc("-p");
            }
            awaitSame(ours, deb, "paused while down");
            for (Service s : both) {
                s.svc("-o");
            }
            awaitPids(both, 2);
            await("once up", () -> quiet(() -> ours.decoded().pid() != 0 && deb.decoded().pid() != 0));
            same(ours, deb, "once, up");
            for (Service s : both) {
                s.svc("-k");
            }
            await("once down", () -> quiet(() -> ours.decoded().pid() == 0 && deb.decoded().pid() == 0));
            same(ours, deb, "once, down");
            for (Service s : both) {
                s.svc("-u");
            }
            awaitPids(both, 3);
            await("up again", () -> quiet(() -> ours.decoded().pid() != 0 && deb.decoded().pid() != 0));
            same(ours, deb, "up again");
            for (Service s : both) {
                s.svc("-x");
            }
            Thread.sleep(300);
            same(ours, deb, "exit asked, still up");
            for (Service s : both) {
                s.svc("-d");
            }
            assertThat(ours.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(deb.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(normalised(ours.status())).containsExactly(normalised(deb.status()));
            assertThat(svstatText(ours)).isEqualTo("DIR: supervise not running\n");
        }
    }

    @Test
    void normallyDownServiceMatchesDebian() throws Exception {
        try (Service ours = Service.create(tmp.resolve("ours"), Service.RUN, true, true).start();
                Service deb = Service.create(tmp.resolve("deb"), Service.RUN, true, false).start()) {
            awaitSame(ours, deb, "normally down");
            assertThat(svstatText(ours)).isEqualTo("DIR: down N seconds\n");
            assertThat(ours.pids()).isEmpty();
            ours.svc("-u");
            deb.svc("-u");
            awaitPids(new Service[] {ours, deb}, 1);
            await("up", () -> quiet(() -> ours.decoded().pid() != 0 && deb.decoded().pid() != 0));
            same(ours, deb, "normally down, up");
            assertThat(svstatText(ours)).isEqualTo("DIR: up (pid N) N seconds, normally down\n");
        }
    }

    private static void awaitPids(Service[] both, int n) {
        for (Service s : both) {
            await(n + " pids in " + s.dir, () -> quiet(() -> s.pids().size() == n));
        }
    }

    @Test
    void restartsAnExitingRunAboutOncePerSecond() throws Exception {
        String run = "#!/bin/sh\necho $$ >> pids\nexit 1\n";
        long t0 = System.nanoTime();
        try (Service s = Service.create(tmp.resolve("s"), run, false, true).start()) {
            // Four starts: the first at once, each later one at least a second after the last.
            await("four starts", () -> quiet(() -> s.pids().size() >= 4));
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms for four starts").isGreaterThanOrEqualTo(2900);
            await("status down or up", () -> quiet(() -> s.status().length == 18));
        }
    }

    @Test
    void aRunThatCannotBeExecutedIsRetriedUntilItCan() throws Exception {
        try (Service s = Service.create(tmp.resolve("s"), Service.RUN, false, true)) {
            Files.setPosixFilePermissions(s.dir.resolve("run"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            long t0 = System.nanoTime();
            s.start();
            // Three failed attempts, at least a second apart, each reported.
            await("three attempts", () -> quiet(() -> Files.readString(tmp.resolve("s.err")).lines().count() >= 3));
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms for three attempts").isGreaterThanOrEqualTo(1900);
            assertThat(s.pids()).isEmpty();
            assertThat(s.decoded().pid()).isZero();
            assertThat(s.decoded().want()).isEqualTo((byte) 'u');
            String err = Files.readString(tmp.resolve("s.err"));
            assertThat(err).startsWith("supervise: fatal: unable to start " + s.dir + "/run: access denied\n");
            assertThat(err.lines().toList()).allSatisfy(l -> assertThat(l).startsWith("supervise: "));
            Files.setPosixFilePermissions(s.dir.resolve("run"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            await("started once executable", () -> quiet(() -> s.pids().size() == 1));
            await("status up", () -> quiet(() -> s.decoded().pid() == s.pids().get(0)));
        }
    }

    @Test
    void lockKeepsASecondSuperviseOutBothWays() throws Exception {
        try (Service ours = Service.create(tmp.resolve("ours"), Service.RUN, true, true).start();
                Service deb = Service.create(tmp.resolve("deb"), Service.RUN, true, false).start()) {
            Cmd.Result d = Cmd.run(List.of("/usr/bin/supervise", ours.dir.toString()));
            assertThat(d.exit()).isEqualTo(111);
            assertThat(d.err()).isEqualTo("supervise: fatal: unable to acquire " + ours.dir
                    + "/supervise/lock: temporary failure\n");
            Cmd.Result o = Tools.run("org.qmailj.supervise.Supervise", deb.dir.toString());
            assertThat(o.exit()).isEqualTo(111);
            assertThat(o.err()).isEqualTo("supervise: fatal: unable to acquire " + deb.dir
                    + "/supervise/lock: temporary failure\n");
        }
    }

    @Test
    void errorTextsAndExitCodesMatchDebian() throws Exception {
        Path none = tmp.resolve("none");
        Path bare = Files.createDirectories(tmp.resolve("bare"));
        Path file = Files.writeString(tmp.resolve("file"), "");
        Path stale = Files.createDirectories(tmp.resolve("stale/supervise"));
        Cmd.run(List.of("mkfifo", stale.resolve("ok").toString(), stale.resolve("control").toString()));
        Path staleDir = stale.getParent();
        List<String> dirs = List.of(none.toString(), bare.toString(), file.toString(), staleDir.toString());

        List<String> svstat = new java.util.ArrayList<>(List.of("/usr/bin/svstat"));
        svstat.addAll(dirs);
        Cmd.Result d = Cmd.run(svstat);
        Cmd.Result o = Tools.run("org.qmailj.supervise.Svstat", dirs.toArray(String[]::new));
        assertThat(o.out()).isEqualTo(d.out());
        assertThat(o.exit()).isEqualTo(d.exit());
        assertThat(d.out()).contains("unable to chdir: file does not exist",
                "unable to open supervise/ok: file does not exist", "supervise not running",
                "unable to chdir: not a directory");

        for (String dir : dirs) {
            Cmd.Result ds = Cmd.run(List.of("/usr/bin/svok", dir));
            Cmd.Result os = Tools.run("org.qmailj.supervise.Svok", dir);
            assertThat(os.exit()).as(dir).isEqualTo(ds.exit());
            assertThat(os.err()).as(dir).isEqualTo(ds.err());
            Cmd.Result dc = Cmd.run(List.of("/usr/bin/svc", "-u", dir));
            Cmd.Result oc = Tools.run("org.qmailj.supervise.Svc", "-u", dir);
            assertThat(oc.exit()).as(dir).isEqualTo(dc.exit());
            assertThat(oc.err()).as(dir).isEqualTo(dc.err());
        }
        Cmd.Result du = Cmd.run(List.of("/usr/bin/svc", "-z", bare.toString()));
        Cmd.Result ou = Tools.run("org.qmailj.supervise.Svc", "-z", bare.toString());
        assertThat(ou.exit()).isEqualTo(du.exit()).isEqualTo(100);
        assertThat(ou.err()).isEqualTo(du.err());
        assertThat(Tools.run("org.qmailj.supervise.Svok").exit())
                .isEqualTo(Cmd.run(List.of("/usr/bin/svok")).exit());
        Cmd.Result su = Tools.run("org.qmailj.supervise.Supervise");
        assertThat(su.exit()).isEqualTo(100);
        assertThat(su.err()).isEqualTo("supervise: usage: supervise dir\n");
    }
}
