package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Proc;

/**
 * A message whose first attempt fails is made durable the qmail way before anything depends on
 * it: its info/ and local/ files and their directories are on disk before qmail-clean removes
 * todo/N, and bounce/ after bounce/N is created. A message delivered at its first attempt
 * keeps todo/N until it is finished, and todo/N goes before mess/N. strace follows qmail-start
 * and its children and shows, with the path behind each descriptor, the order of the calls.
 */
class DurableDirsTest {
    @TempDir Path home;
    @org.junit.jupiter.api.extension.RegisterExtension
    final ProcessHarness.Tracker harnesses = new ProcessHarness.Tracker();


    @Test
    void failedMessageIsSyncedBeforeTodoGoesAndDeliveredOneKeepsTodoUntilItsEnd() throws Exception {
        TestQueue tq = new TestQueue(home.resolve("qmail"), "domain");
        Path trace = home.resolve("trace");
        ProcessHarness h = new ProcessHarness(tq);
        harnesses.track(h);
        // Bounces go to a qmail-queue that takes the message and the envelope and drops them.
        Path sink = home.resolve("qq-sink");
        Files.writeString(sink, "#!/bin/sh\ncat > /dev/null\ncat <&1 > /dev/null\n");
        Files.setPosixFilePermissions(sink, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        h.env.put("QMAILQUEUE", sink.toString());
        long n = tq.inject("durable@x", "me@domain", "me", "you@remote.example");
        // FakeSpawner fails recipients whose local part is "fail": a bounce/N is created.
        long f = tq.inject("durable-f@x", "me@domain", "fail");
        h.startWrapped(List.of("strace", "-f", "-qq", "-e", "signal=none", "-y", "-o", trace.toString(),
                "-e", "trace=fsync,fdatasync,unlink,unlinkat,rename,renameat,renameat2"));
        h.await("delivered", () -> h.logLines().contains("end msg " + n) && h.logLines().contains("end msg " + f), 120);
        // The process started is strace; qmail-send (qmail-start's pid) is its child.
        Proc.kill(h.child("QmailSend").orElseThrow().pid(), Proc.SIGTERM);
        assertThat(h.waitExit(60)).isZero();

        List<String> lines = Files.readAllLines(trace, StandardCharsets.ISO_8859_1);
        Path q = tq.q.root().toRealPath();
        String relevant = String.join("\n", lines.stream().filter(l -> l.contains("/queue/")).toList());
        // Delivered at the first attempt: todo/N is removed, then mess/N (both moved to
        // queue/pool by qmail-clean, for the queue writer to write again); nothing was synced.
        int todoN = first(lines, "rename", q.resolve("todo").resolve(Long.toString(n)) + "\", ");
        int messN = first(lines, "rename", q.resolve("mess").resolve(Integer.toString(QueueLayout.split(n))).resolve(Long.toString(n)) + "\", ");
        assertThat(todoN).as("qmail-clean's removal of todo/%d in\n%s", n, relevant).isPositive();
        assertThat(messN).as("unlink of mess/N after todo/N").isGreaterThan(todoN);
        assertThat(first(lines, "fdatasync(", "<" + q.resolve("info").resolve(Integer.toString(QueueLayout.split(n))).resolve(Long.toString(n)) + ">"))
                .as("info/%d synced", n).isZero();
        // Failed at the first attempt: its files and their directories are synced before todo/N goes.
        int split = QueueLayout.split(f);
        int unlinkTodo = first(lines, "rename", q.resolve("todo").resolve(Long.toString(f)) + "\", ");
        assertThat(unlinkTodo).as("qmail-clean's removal of todo/%d (to the pool) in\n%s", f, relevant).isPositive();
        for (String dir : new String[] {"info", "local"}) {
            int data = first(lines, "fdatasync(", "<" + q.resolve(dir).resolve(Integer.toString(split)).resolve(Long.toString(f)) + ">");
            int sync = first(lines, "fsync(", "<" + q.resolve(dir).resolve(Integer.toString(split)) + ">");
            assertThat(data).as("fdatasync of %s/%d", dir, f).isPositive().isLessThan(unlinkTodo);
            assertThat(sync).as("fsync of %s/%d", dir, split).isPositive().isLessThan(unlinkTodo);
        }
        // bounce/N: its data, then the directory, before the recipient is marked done and the
        // bounce message is injected (which unlinks bounce/N).
        int bounceData = first(lines, "fsync(", "<" + q.resolve("bounce").resolve(Long.toString(f)) + ">");
        int bounceDir = first(lines, "fsync(", "<" + q.resolve("bounce") + ">");
        int bounceGone = first(lines, "unlink", q.resolve("bounce").resolve(Long.toString(f)) + "\"");
        assertThat(bounceData).isPositive();
        assertThat(bounceDir).isGreaterThan(bounceData).isLessThan(bounceGone);
        assertThat(bounceData).as("bounce/N written after todo/N's removal").isGreaterThan(unlinkTodo);
        // Finished: info/N, local/N and bounce/N are unlinked, and their directories synced,
        // before qmail-clean lets mess/N go (to the pool, where its inode may become a new
        // message N: the old names must not come back after a crash).
        int messGone = first(lines, "rename", q.resolve("mess").resolve(Integer.toString(split)).resolve(Long.toString(f)) + "\", ");
        assertThat(messGone).as("mess/%d moved to the pool in\n%s", f, relevant).isPositive();
        for (Path d : new Path[] {q.resolve("info").resolve(Integer.toString(split)), q.resolve("local").resolve(Integer.toString(split)),
                q.resolve("remote").resolve(Integer.toString(split)), q.resolve("bounce")}) {
            int gone = d.getFileName().toString().equals("remote") ? 0 : last(lines, "unlink", d.resolve(Long.toString(f)) + "\"", messGone);
            int sync = firstAfter(lines, "fsync(", "<" + d + ">", Math.max(gone, bounceGone));
            assertThat(sync).as("fsync of %s after its unlink, before mess/%d goes", d, f).isPositive().isLessThan(messGone);
        }
    }

    /** Index (from 1) of the last line before {@code before} containing {@code call} and {@code what}; 0 if none. */
    private static int last(List<String> lines, String call, String what, int before) {
        int found = 0;
        for (int i = 0; i < before - 1 && i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.contains(call) && l.contains(what)) found = i + 1;
        }
        return found;
    }

    /** Index (from 1) of the first line after line {@code after} containing {@code call} and {@code what}; 0 if none. */
    private static int firstAfter(List<String> lines, String call, String what, int after) {
        for (int i = after; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.contains(call) && l.contains(what)) return i + 1;
        }
        return 0;
    }

    /** Index (from 1) of the first line containing both {@code call} and {@code what}; 0 if none. */
    private static int first(List<String> lines, String call, String what) {
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.contains(call) && l.contains(what)) return i + 1;
        }
        return 0;
    }
}
