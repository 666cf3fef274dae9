package org.qmailj.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.DefaultSignals;

/**
 * svscanboot(8) with a QMAIL_HOME whose bin/svc and bin/svscan are recording scripts: svc -dx
 * on every service and log first, then svscan DIR with only PATH in its environment, stdin
 * from /dev/null, and its output and errors in readproctitle's title (Debian's readproctitle
 * is on daemontools' PATH). The real svscan under svscanboot is in packaging's
 * ProgramsIT.
 */
class SvscanbootTest {
    @TempDir
    Path tmp;

    private static void script(Path p, String body) throws Exception {
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void await(String what, Callable<Boolean> cond) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!cond.call()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void runsSvscanInTheDirectoryThroughReadproctitle() throws Exception {
        Path home = tmp.resolve("home");
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path out = Files.createDirectory(tmp.resolve("out"));
        Path release = tmp.resolve("release");
        script(bin.resolve("svc"), "echo \"$@\" > " + out.resolve("svc") + "\n");
        script(bin.resolve("svscan"), "pwd > " + out.resolve("svscan.tmp") + "\necho \"$@\" >> " + out.resolve("svscan.tmp")
                + "\nenv | sort >> " + out.resolve("svscan.tmp") + "\nls -l /proc/$$/fd/0 | sed 's/.* -> //' >> "
                + out.resolve("svscan.tmp") + "\nmv " + out.resolve("svscan.tmp") + " " + out.resolve("svscan")
                + "\necho 'svscan: warning: unable to start supervise x: test'; echo to-stderr >&2"
                + "\nwhile [ ! -e " + release + " ]; do sleep 0.02; done\n");
        Path service = Files.createDirectory(tmp.resolve("service"));
        Files.createDirectories(service.resolve("a/log"));
        Files.createDirectories(service.resolve("b"));

        List<String> cmd = new ArrayList<>(Tools.java("org.qmailj.supervise.Svscanboot", service.toString()));
        cmd.add(cmd.indexOf("-cp"), "-Dqmail.home=" + home);
        ProcessBuilder pb = DefaultSignals.builder(cmd);
        pb.environment().put("SECRET", "not for svscan");
        Process boot = pb.start();
        try {
            await("svscan to start", () -> Files.exists(out.resolve("svscan")) || !boot.isAlive());
            assertThat(Files.readString(out.resolve("svc")))
                    .isEqualTo("-dx " + service.resolve("a") + " " + service.resolve("b") + " " + service.resolve("a/log") + "\n");
            String path = bin + ":" + "/command:/usr/local/bin:/usr/local/sbin:/bin:/sbin:/usr/bin:/usr/sbin:/usr/X11R6/bin";
            List<String> seen = Files.readAllLines(out.resolve("svscan"));
            assertThat(seen.get(1)).isEqualTo(service.toString());
            assertThat(seen).contains("PATH=" + path, "/dev/null").noneMatch(l -> l.startsWith("SECRET="));
            // svscanboot's JVM became the shell (same pid); readproctitle is its child and
            // shows the last bytes of svscan's output and errors in its command line.
            assertThat(ProcessHandle.of(boot.pid()).flatMap(h -> h.info().command()).orElse("")).endsWith("sh");
            await("readproctitle's title", () -> title(boot).filter(t -> t.contains("to-stderr")).isPresent());
            assertThat(title(boot).orElseThrow()).startsWith("readproctitle service errors: ")
                    .contains("svscan: warning: unable to start supervise x: test\nto-stderr\n");
            Files.writeString(release, "");
            assertThat(boot.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(boot.exitValue()).isZero();
        } finally {
            Files.writeString(release, "");
            boot.descendants().forEach(ProcessHandle::destroy);
            boot.destroy();
            boot.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static Optional<String> title(Process boot) {
        return boot.children().map(c -> {
            try {
                return new String(Files.readAllBytes(Path.of("/proc/" + c.pid() + "/cmdline")), StandardCharsets.ISO_8859_1)
                        .replace('\0', ' ');
            } catch (Exception e) {
                return "";
            }
        }).filter(t -> t.startsWith("readproctitle")).findFirst();
    }
}
