package org.qmailj.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.sys.Fd;

class MaildirTest {
    @TempDir
    Path dir;

    Path maildir() throws IOException {
        Path md = dir.resolve("Maildir");
        for (String d : new String[] {"tmp", "new", "cur"}) Files.createDirectories(md.resolve(d));
        return md;
    }

    /** Runs each task on its own thread at once; the results in task order. */
    static <T> List<Future<T>> atOnce(List<Callable<T>> tasks) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            return pool.invokeAll(tasks, 120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentDeliveriesIntoOneMaildirAllLandWholeInNew() throws Exception {
        Path md = maildir();
        // Bigger than one copy buffer, so the head and several blocks are written.
        byte[] body = ("Subject: t\n\n" + "line of the body\n".repeat(10_000)).getBytes(StandardCharsets.ISO_8859_1);
        Path msg = dir.resolve("msg");
        Files.write(msg, body);
        List<Callable<Path>> tasks = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            byte[] head = ("Delivered-To: user" + i + "\n").getBytes(StandardCharsets.ISO_8859_1);
            tasks.add(() -> {
                try (MessageFile m = MessageFile.of(Fd.open(msg, Fd.O_RDONLY, 0))) {
                    return Maildir.deliver(md, head, m);
                }
            });
        }
        List<Path> delivered = new ArrayList<>();
        for (Future<Path> f : atOnce(tasks)) delivered.add(f.get());
        try (Stream<Path> s = Files.list(md.resolve("new"))) {
            assertThat(s.toList()).containsExactlyInAnyOrderElementsOf(delivered);
        }
        try (Stream<Path> s = Files.list(md.resolve("tmp"))) {
            assertThat(s.toList()).isEmpty();
        }
        for (int i = 0; i < delivered.size(); i++) {
            byte[] got = Files.readAllBytes(delivered.get(i));
            String head = "Delivered-To: user" + i + "\n";
            assertThat(new String(got, 0, head.length(), StandardCharsets.ISO_8859_1)).isEqualTo(head);
            assertThat(java.util.Arrays.copyOfRange(got, head.length(), got.length)).isEqualTo(body);
        }
    }

    @Test
    void aDirectoryThatCannotBeSyncedFailsEveryWaiterAndHangsNone() throws Exception {
        Maildir.DirSyncs syncs = new Maildir.DirSyncs();
        Path gone = dir.resolve("gone");
        List<Callable<Boolean>> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tasks.add(() -> {
                try {
                    syncs.sync(gone);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
        }
        for (Future<Boolean> f : atOnce(tasks)) assertThat(f.get()).isFalse();
        Files.createDirectories(gone);
        syncs.sync(gone); // and a later one succeeds
    }

    /** Delivers a small message into {@code md}; the LocalFailure it gives, or null. */
    LocalFailure failureOf(Path md) throws IOException {
        Path msg = dir.resolve("msg");
        Files.writeString(msg, "Subject: t\n\nbody\n");
        try (MessageFile m = MessageFile.of(Fd.open(msg, Fd.O_RDONLY, 0))) {
            Maildir.deliver(md, "Delivered-To: u\n".getBytes(StandardCharsets.ISO_8859_1), m);
            return null;
        } catch (LocalFailure f) {
            return f;
        }
    }

    @Test
    void aMaildirWithoutTmpDefersWithQmailsTextAndLeavesNothing() throws Exception {
        Path md = maildir();
        Files.delete(md.resolve("tmp"));
        LocalFailure f = failureOf(md);
        assertThat(f).isNotNull();
        assertThat(f.exit()).isEqualTo(111);
        assertThat(f.getMessage()).isEqualTo("Temporary error on maildir delivery. (#4.3.0)");
        try (Stream<Path> s = Files.list(md.resolve("new"))) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void aMissingMaildirOrAFileInItsPlaceIsQmailsChdirFailure() throws Exception {
        for (Path md : List.of(dir.resolve("nothing"), Files.writeString(dir.resolve("file"), "x"))) {
            LocalFailure f = failureOf(md);
            assertThat(f).isNotNull();
            assertThat(f.exit()).isEqualTo(111);
            assertThat(f.getMessage()).isEqualTo("Unable to chdir to maildir. (#4.2.1)");
        }
    }

    @Test
    void aMaildirWhoseNewIsMissingDefersAndLeavesNoTmpFile() throws Exception {
        Path md = maildir();
        Files.delete(md.resolve("new"));
        LocalFailure f = failureOf(md);
        assertThat(f).isNotNull();
        assertThat(f.getMessage()).isEqualTo("Temporary error on maildir delivery. (#4.3.0)");
        try (Stream<Path> s = Files.list(md.resolve("tmp"))) {
            assertThat(s.toList()).isEmpty();
        }
    }
}
