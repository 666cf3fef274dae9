package org.qmailj.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * The programs of the packaged tree as a user meets them: a man page for a program means the
 * program is in bin/, links to a launcher act by the name they were run by (mailq), and the
 * daemontools programs that hand things across execve (setlock's lock, svscanboot's pipeline)
 * do so through the launcher scripts.
 */
class ProgramsIT {
    /**
     * Pages of sections 1 and 8 that name no program, each with the reason. Sections 5 and 7
     * (file formats, overviews) never name one.
     */
    static final Map<String, String> NO_PROGRAM = Map.of(
            "qmail-command", "qmail-command(8) is how qmail-local runs the programs of .qmail files, not a program");

    static Path tree;

    @BeforeAll
    static void findTree() {
        tree = Path.of(System.getProperty("qmail.tree"));
        assertThat(tree.resolve("bin/sendmail")).isExecutable();
    }

    @TempDir
    Path tmp;

    @Test
    void everyProgramManPageHasItsProgramInBin() throws IOException {
        List<String> pages = new ArrayList<>();
        try (Stream<Path> s = Files.walk(tree.resolve("man"))) {
            s.filter(Files::isRegularFile).forEach(p -> pages.add(tree.resolve("man").relativize(p).toString()));
        }
        assertThat(pages).contains("man8/qmail-send.8", "man1/forward.1", "man5/qmail-control.5");
        TreeSet<String> missing = new TreeSet<>();
        for (String page : pages) {
            String dir = page.substring(0, page.indexOf('/'));
            if (dir.equals("man5") || dir.equals("man7")) continue;
            assertThat(dir).as(page).isIn("man1", "man8");
            String file = page.substring(page.indexOf('/') + 1);
            String name = file.substring(0, file.lastIndexOf('.'));
            if (NO_PROGRAM.containsKey(name)) {
                assertThat(tree.resolve("bin/" + name)).as("%s is listed as having no program", name).doesNotExist();
                continue;
            }
            if (!Files.isExecutable(tree.resolve("bin/" + name))) missing.add(page);
        }
        assertThat(missing).as("man pages without a program in bin/").isEmpty();
    }

    @Test
    void sendmailLinkedAsMailqIsQmailQreadAndAsNewaliasesRefuses() throws Exception {
        Path home = tmp.resolve("qmail");
        Cmd.Result install = Cmd.run(List.of(tree.resolve("bin/qmail-install").toString(), home.toString(), "--sandbox",
                "--me=mail.test.example"), Map.of(), null, new byte[0], 180);
        assertThat(install.exit()).as(install.toString()).isZero();
        // A message as qmail-send leaves it once preprocessed: mess, info (sender, time), local.
        long n = 104545;
        Path q = home.resolve("queue");
        Files.writeString(q.resolve("mess/" + n % 23 + "/" + n), "12345");
        Path info = q.resolve("info/" + n % 23 + "/" + n);
        Files.write(info, "Fs@h\0".getBytes(StandardCharsets.ISO_8859_1));
        Files.setLastModifiedTime(info, FileTime.from(Instant.parse("1997-07-28T18:27:11Z")));
        Files.write(q.resolve("local/" + n % 23 + "/" + n), "Tme@here\0".getBytes(StandardCharsets.ISO_8859_1));
        String listing = "28 Jul 1997 18:27:11 GMT  #104545  5  <s@h> \n\tlocal\tme@here\n";

        Path links = Files.createDirectory(tmp.resolve("links"));
        Files.createSymbolicLink(links.resolve("mailq"), home.resolve("bin/sendmail"));
        Files.createSymbolicLink(links.resolve("newaliases"), home.resolve("bin/sendmail"));
        Cmd.Result qread = Cmd.run(List.of(home.resolve("bin/qmail-qread").toString()));
        assertThat(qread.out()).isEqualTo(listing);
        Cmd.Result mailq = Cmd.run(List.of(links.resolve("mailq").toString()));
        assertThat(mailq.exit()).as(mailq.toString()).isZero();
        assertThat(mailq.out()).isEqualTo(listing);
        // Found through PATH, as users type it.
        Cmd.Result viaPath = Cmd.run(List.of("/bin/sh", "-c", "mailq"), Map.of("PATH", links + ":/usr/bin:/bin"), null,
                new byte[0], 60);
        assertThat(viaPath.out()).isEqualTo(listing);
        Cmd.Result newaliases = Cmd.run(List.of(links.resolve("newaliases").toString()));
        assertThat(newaliases.exit()).isEqualTo(100);
        assertThat(newaliases.err()).isEqualTo("sendmail: fatal: please use fastforward/newaliases instead\n");
        // The launcher under its own name is still sendmail: no recipients, qmail-inject's error.
        Cmd.Result sendmail = Cmd.run(List.of(home.resolve("bin/sendmail").toString()));
        assertThat(sendmail.exit()).isEqualTo(100);
        assertThat(sendmail.err()).isEqualTo("qmail-inject: fatal: no recipients\n");
    }

    @Test
    void setlockKeepsTheLockAcrossTheLaunchersExec() throws Exception {
        String setlock = tree.resolve("bin/setlock").toString();
        String f = tmp.resolve("lock").toString();
        Cmd.Result r = Cmd.run(List.of(setlock, "-n", f, "/bin/sh", "-c",
                "\"$0\" -n \"$1\" true; echo inner $?; \"$0\" -nx \"$1\" true; echo quiet $?", setlock, f));
        assertThat(r.out()).as(r.toString()).isEqualTo("inner 111\nquiet 0\n");
        assertThat(r.err()).isEqualTo("setlock: fatal: unable to lock " + f + ": temporary failure\n");
        assertThat(Cmd.run(List.of(setlock, "-n", f, "true")).exit()).isZero();
    }

    private static void await(String what, Callable<Boolean> cond) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!cond.call()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void svscanbootStartsOurSvscanOnTheDirectory() throws Exception {
        Path service = Files.createDirectory(tmp.resolve("service"));
        Path a = Files.createDirectory(service.resolve("a"));
        Path started = tmp.resolve("started");
        Files.writeString(a.resolve("run"), "#!/bin/sh\necho \"$PATH\" > " + started + ".tmp\nmv " + started + ".tmp "
                + started + "\nexec sleep 600\n");
        Files.setPosixFilePermissions(a.resolve("run"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Process boot = new ProcessBuilder(tree.resolve("bin/svscanboot").toString(), service.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            await("./run under svscanboot's svscan", () -> Files.exists(started) || !boot.isAlive());
            assertThat(Files.readString(started)).startsWith(tree.resolve("bin") + ":/command:/usr/local/bin:");
            // svscan's own supervise wrote daemontools' status file; svok (ours) says it runs.
            await("supervise/status", () -> Files.exists(a.resolve("supervise/status")));
            assertThat(Cmd.run(List.of(tree.resolve("bin/svok").toString(), a.toString())).exit()).isZero();
            assertThat(boot.descendants().map(p -> p.info().arguments().map(List::of).orElse(List.of()))
                    .anyMatch(args -> args.contains("org.qmailj.supervise.Svscan") && args.contains(service.toString())))
                    .isTrue();
        } finally {
            Cmd.run(List.of(tree.resolve("bin/svc").toString(), "-dx", a.toString()));
            List<ProcessHandle> all = new ArrayList<>(boot.descendants().toList());
            all.add(boot.toHandle());
            all.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle p : all) p.onExit().get(60, TimeUnit.SECONDS);
        }
    }
}
