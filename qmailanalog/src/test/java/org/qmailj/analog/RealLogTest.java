package org.qmailj.analog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.Proc;
import org.qmailj.testing.DefaultSignals;

/**
 * The log of a real run: qmail-start starts the real qmail-send and qmail-clean (and
 * {@link ScriptedSpawner} as both spawners), its log goes through daemontools' tai64n, three
 * messages are queued in qmail's on-disk format (a success to two recipients, a failure
 * whose bounce is discarded, a deferral retried after SIGALRM), and matchup and zoverall
 * must account for every one of them.
 */
class RealLogTest {
    @TempDir Path home;
    private Process start;

    @AfterEach
    void stop() throws InterruptedException {
        if (start == null) return;
        List<ProcessHandle> kids = start.toHandle().descendants().toList();
        start.destroyForcibly();
        kids.forEach(ProcessHandle::destroyForcibly);
        start.waitFor(30, TimeUnit.SECONDS);
    }

    @Test
    void matchupAndZoverallAccountForARealQmailSendRun() throws Exception {
        QueueLayout q = new QueueLayout(home.resolve("queue"));
        for (QueueLayout.Dir d : QueueLayout.DIRS) {
            Files.createDirectories(q.dir(d.name()));
            if (d.split()) for (int i = 0; i < QueueLayout.SPLIT; i++) Files.createDirectories(q.dir(d.name()).resolve("" + i));
        }
        Fifo.make(q.trigger(), 0622);
        Files.createDirectories(home.resolve("control"));
        Files.writeString(home.resolve("control/me"), "domain\n");
        Path bin = Files.createDirectories(home.resolve("bin"));
        String jvm = Path.of(System.getProperty("java.home"), "bin", "java") + " --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC"
                + " -XX:TieredStopAtLevel=1 -Xmx128m -cp " + System.getProperty("java.class.path") + " -Dqmail.home=" + home;
        script(bin, "qmail-send", jvm + " org.qmailj.send.QmailSend");
        script(bin, "qmail-clean", jvm + " org.qmailj.clean.QmailClean");
        script(bin, "qmail-lspawn", jvm + " org.qmailj.analog.ScriptedSpawner");
        script(bin, "qmail-rspawn", jvm + " org.qmailj.analog.ScriptedSpawner");
        Path log = home.resolve("log");
        ProcessBuilder pb = DefaultSignals.builder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), "-Dqmail.home=" + home, "org.qmailj.send.QmailStart", "./Maildir/",
                "sh", "-c", "exec /usr/bin/tai64n > " + log));
        pb.environment().put("QMAIL_HOME", home.toString());
        pb.redirectOutput(home.resolve("stdout").toFile()).redirectError(home.resolve("stderr").toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        start = pb.start();
        await("qmail-send's first status line", () -> read(log).contains("status: local 0/10 remote 0/10"));

        long bytes1 = inject(q, "a@x", 1001, "ok1@domain", "ok2@remote.example");
        long bytes2 = inject(q, "#@[]", 1002, "fail1@domain");
        long bytes3 = inject(q, "c@x", 1003, "defer1@domain");
        await("two messages done and a deferral", () -> count(read(log), "end msg ") == 2 && read(log).contains(": deferral: "));
        Proc.kill(start.pid(), Proc.SIGALRM);
        await("the deferred message done", () -> count(read(log), "end msg ") == 3);
        Proc.kill(start.pid(), Proc.SIGTERM);
        assertThat(start.waitFor(60, TimeUnit.SECONDS)).isTrue();
        await("the logger's last line", () -> read(log).endsWith("status: exiting\n"));

        String text = read(log);
        assertThat(text.lines()).allMatch(l -> l.matches("@4000[0-9a-f]{20} .*"));
        StringWriter out = new StringWriter();
        StringWriter pending = new StringWriter();
        Matchup m = new Matchup(out);
        m.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), new LogStamps());
        m.pending(pending);
        assertThat(pending.toString()).isEmpty();
        List<String> mLines = new ArrayList<>(), dLines = new ArrayList<>();
        for (String l : out.toString().lines().toList()) {
            if (l.startsWith("m ")) mLines.add(l.replaceFirst("^m \\S+ \\S+ ", "m T T "));
            else if (l.startsWith("d ")) {
                // birth <= start of the attempt <= its end, all stamped by tai64n
                String[] f = l.split(" ");
                assertThat(Double.parseDouble(f[2])).isLessThanOrEqualTo(Double.parseDouble(f[3]));
                assertThat(Double.parseDouble(f[3])).isLessThanOrEqualTo(Double.parseDouble(f[4]));
                dLines.add(l.replaceFirst("^d (.) \\S+ \\S+ \\S+ ", "d $1 T T T "));
            }
            else assertThat(l).matches("\\? [0-9.]+ triple bounce: discarding bounce/\\d+");
        }
        assertThat(mLines).containsExactlyInAnyOrder(
                "m T T " + bytes1 + " 2 0 0 <a@x> 1001 1001",
                "m T T " + bytes2 + " 0 1 0 <#@[]> 1002 1002",
                "m T T " + bytes3 + " 1 0 1 <c@x> 1003 1003");
        assertThat(dLines).containsExactlyInAnyOrder(
                "d k T T T " + bytes1 + " <a@x> local.ok1@domain 1001 1001 did_1+0+0/",
                "d k T T T " + bytes1 + " <a@x> remote.ok2@remote.example 1001 1001 did_1+0+0/",
                "d d T T T " + bytes2 + " <#@[]> local.fail1@domain 1002 1002 Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/",
                "d z T T T " + bytes3 + " <c@x> local.defer1@domain 1003 1003 Sorry,_I_couldn't_find_a_mailbox._(#4.2.1)/",
                "d k T T T " + bytes3 + " <c@x> local.defer1@domain 1003 1003 did_1+0+0/");

        ByteArrayOutputStream overall = new ByteArrayOutputStream();
        Report.run(new ZOverall(), new ByteArrayInputStream(out.toString().getBytes(StandardCharsets.ISO_8859_1)), overall);
        assertThat(overall.toString(StandardCharsets.ISO_8859_1)).contains(
                "Completed messages: 3\n",
                "Recipients for completed messages: 4\n",
                "Total delivery attempts for completed messages: 5\n",
                "Bytes in completed messages: " + (bytes1 + bytes2 + bytes3) + "\n",
                "Bytes weighted by success: " + (2 * bytes1 + bytes3) + "\n",
                "Total delivery attempts: 5\n  success: 3\n  failure: 1\n  deferral: 1\n");
    }

    /** Queues a message in qmail's format (TestQueue of qmail-send's tests) with qp = uid; returns its size. */
    private static long inject(QueueLayout q, String sender, long uid, String... recipients) throws IOException {
        Path tmp = q.pidDir().resolve(ProcessHandle.current().pid() + "." + System.nanoTime());
        Files.write(tmp, new byte[0]);
        long n = (Long) Files.getAttribute(tmp, "unix:ino");
        Files.createLink(q.mess(n), tmp);
        Files.delete(tmp);
        byte[] mess = ("Received: (qmail " + uid + " invoked by uid " + uid + "); 3 Dec 2026 13:00:00 -0000\nSubject: " + n
                + "\n\nbody\n").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(q.mess(n), mess);
        StringBuilder env = new StringBuilder("u" + uid + "\0p" + uid + "\0F" + sender + "\0");
        for (String r : recipients) env.append('T').append(r).append('\0');
        Files.write(q.intd(n), env.toString().getBytes(StandardCharsets.ISO_8859_1));
        Files.createLink(q.todo(n), q.intd(n));
        Fifo.pull(q.trigger());
        return mess.length;
    }

    private static void script(Path bin, String name, String command) throws IOException {
        Path p = bin.resolve(name);
        Files.writeString(p, "#!/bin/sh\nexec " + command + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    private void await(String what, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what + "; log:\n" + read(home.resolve("log")) + "\nstderr:\n"
                        + read(home.resolve("stderr")));
            }
            Thread.sleep(25);
        }
    }
}
