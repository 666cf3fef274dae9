package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueLayout;

/**
 * The queue writer daemon's reuse of finished messages' files (queue/pool, InodePool): what
 * it takes, and everything it must leave alone.
 */
class InodePoolTest {
    @TempDir Path dir;

    private static final String STALE = "Received: an older message, longer than the new one\n\n" + "secret body\n".repeat(20);

    private static long ino(Path p) throws IOException {
        return (Long) Files.getAttribute(p, "unix:ino");
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private static Path pooled(TestHome t, long age, long n, char kind, String content) throws IOException {
        Path pool = t.queue.dir("pool");
        Files.createDirectories(pool);
        Path p = pool.resolve((now() - age) + "." + n + "." + kind);
        Files.writeString(p, content, StandardCharsets.ISO_8859_1);
        return p;
    }

    private static QueueWriter writer(TestHome t) throws IOException {
        return new QueueWriter(t.queue, ReceivedLine.of(QmailIds.read(t.home)), Clock.systemUTC(), true);
    }

    private static long queue(QueueWriter w, String message) throws QueueFailure {
        QueueWriter.Staged s = w.stage(new QueueWriter.Origin(500, 4242, null),
                new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)));
        s.intd(new Envelope("me@here", List.of("a@b")));
        s.link();
        return s.number();
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /**
     * A message file and an envelope pooled 100 seconds ago become the new message's mess/S/N
     * (N their inode, as a new file's) and intd/N: emptied first, no old byte left; the pool
     * is empty after.
     */
    @Test
    void aNewMessageIsWrittenIntoFinishedFiles() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        Path m = pooled(t, 100, 7, 'm', STALE);
        Path e = pooled(t, 100, 7, 'e', "u1\0p2\0Fold@sender\0Tvictim@x\0\0".repeat(3));
        long im = ino(m);
        long ie = ino(e);
        long n = queue(writer(t), "Subject: new\n\nhi\n");
        // Either file serves either purpose; which comes first is the directory's order.
        assertThat(n).isIn(im, ie);
        assertThat(ino(t.queue.mess(n))).isEqualTo(n);
        assertThat(str(Files.readAllBytes(t.queue.mess(n)))).startsWith("Received: (qmail 4242 invoked by uid 500); ")
                .endsWith("-0000\nSubject: new\n\nhi\n").doesNotContain("secret");
        assertThat(ino(t.queue.todo(n))).isEqualTo(n == im ? ie : im);
        assertThat(str(Files.readAllBytes(t.queue.todo(n)))).isEqualTo("u500\0p4242\0Fme@here\0Ta@b\0");
        assertThat(Files.getAttribute(t.queue.mess(n), "unix:nlink")).isEqualTo(1);
        assertThat(Files.getAttribute(t.queue.todo(n), "unix:nlink")).isEqualTo(2);
        assertThat(t.files("pool")).isEmpty();
    }

    /**
     * Pooled one second before the writer's clock: a new intd/N must be written at least
     * MIN_AGE_SECONDS after the old message's, so that its stamp differs from the one an old
     * client resolves with; left alone. (The writer's clock is fixed: a slow run cannot age it.)
     */
    /**
     * A name handed out whose claimant has not yet unlinked it is still in the pool at the next
     * listing: it is not handed out again (two threads linking one envelope file as their own
     * intd/N failed one of them); once gone, it is forgotten and other files are handed out.
     */
    @Test
    void aFileHandedOutIsNotHandedOutAgainByTheNextListing() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        Path e = pooled(t, 100, 7, 'e', STALE);
        InodePool pool = new InodePool(t.queue, Clock.systemUTC(), 0);
        assertThat(pool.claim().path()).isEqualTo(e);
        assertThat(pool.claim()).isNull();
        Files.delete(e); // the claimant's unlink
        Path f = pooled(t, 100, 8, 'e', STALE);
        assertThat(pool.claim().path()).isEqualTo(f);
        assertThat(pool.claim()).isNull();
    }

    @Test
    void recentlyFinishedFilesWait() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        Path m = pooled(t, 0, 7, 'm', STALE);
        long pooledAt = QueueLayout.pooledAt(m.getFileName().toString());
        Clock young = Clock.fixed(java.time.Instant.ofEpochSecond(pooledAt + InodePool.MIN_AGE_SECONDS - 1), java.time.ZoneOffset.UTC);
        long n = queue(new QueueWriter(t.queue, ReceivedLine.of(QmailIds.read(t.home)), young, true), "Subject: new\n\nhi\n");
        assertThat(n).isNotEqualTo(ino(m));
        assertThat(Files.readString(m)).isEqualTo(STALE);
    }

    /**
     * A file some process still has open (a delivery program gone to the background with the
     * message as its standard input) is never written again: its reader keeps the old bytes,
     * and the pool lets go of it (the kernel frees it at the reader's close).
     */
    @Test
    void aFileOpenElsewhereIsNotReused() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        Path m = pooled(t, 100, 7, 'm', STALE);
        long im = ino(m);
        Process reader = new ProcessBuilder("sleep", "60").redirectInput(m.toFile()).start();
        try {
            long n = queue(writer(t), "Subject: new\n\nhi\n");
            assertThat(n).isNotEqualTo(im);
            assertThat(m).doesNotExist();
            Path held = Path.of("/proc", Long.toString(reader.pid()), "fd", "0");
            assertThat(Files.readString(held)).isEqualTo(STALE);
            assertThat(ino(held)).isEqualTo(im);
        } finally {
            reader.destroy();
            reader.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A pool name beside another name of the same file (a crash between the two) is not a free file. */
    @Test
    void aFileWithAnotherLinkIsNotReused() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        Path m = pooled(t, 100, 7, 'm', STALE);
        Path other = dir.resolve("other");
        Files.createLink(other, m);
        long n = queue(writer(t), "Subject: new\n\nhi\n");
        assertThat(n).isNotEqualTo(ino(other));
        assertThat(m).doesNotExist();
        assertThat(Files.readString(other)).isEqualTo(STALE);
    }

    /**
     * An existing mess/S/N (a queue restored from elsewhere, whose numbers are not its inodes)
     * is never replaced: the link fails and the writer makes a new file.
     */
    @Test
    void anExistingMessageFileIsNeverReplaced() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        Path m = pooled(t, 100, 7, 'm', STALE);
        long im = ino(m);
        Files.writeString(t.queue.mess(im), "a queued message");
        long n = queue(writer(t), "Subject: new\n\nhi\n");
        assertThat(n).isNotEqualTo(im);
        assertThat(Files.readString(t.queue.mess(im))).isEqualTo("a queued message");
        assertThat(Files.readString(m)).isEqualTo(STALE);
    }

    /** Past an hour the pool was not needed: such files are unlinked, not reused. */
    @Test
    void filesPastAnHourAreUnlinked() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        Path m = pooled(t, 4000, 7, 'm', STALE);
        Path junk = t.queue.dir("pool").resolve("notapoolname");
        Files.writeString(junk, "x");
        queue(writer(t), "Subject: new\n\nhi\n");
        // (the kernel may give the freed inode to the new file at once: no claim on numbers)
        assertThat(t.files("pool")).containsExactly(junk);
    }

    /** bin/qmail-queue's direct path (no daemon) makes new files as before. */
    @Test
    void theDirectPathDoesNotTakeFromThePool() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        Path m = pooled(t, 100, 7, 'm', STALE);
        QueueWriter w = new QueueWriter(t.queue, ReceivedLine.of(QmailIds.read(t.home)), Clock.systemUTC());
        long n = queue(w, "Subject: new\n\nhi\n");
        assertThat(n).isNotEqualTo(ino(m));
        assertThat(Files.readString(m)).isEqualTo(STALE);
    }

    @Test
    void poolNames() {
        assertThat(QueueLayout.pooledAt("1764900000.461.m")).isEqualTo(1764900000L);
        assertThat(QueueLayout.pooledAt("12.4.e")).isEqualTo(12L);
        assertThat(QueueLayout.pooledAt(".4.e")).isEqualTo(-1L);
        assertThat(QueueLayout.pooledAt("x1.4.e")).isEqualTo(-1L);
        assertThat(QueueLayout.pooledAt("123")).isEqualTo(-1L);
    }
}
