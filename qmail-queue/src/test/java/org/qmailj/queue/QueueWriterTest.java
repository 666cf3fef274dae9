package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;
import static org.qmailj.queue.TestHome.str;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueExit;
import org.qmailj.common.sys.Proc;

/** The writer core and bin/qmail-queue's direct path (no writer daemon running). */
class QueueWriterTest {
    @TempDir Path dir;

    @Test
    void writesTheFilesOfFormatsMd() throws Exception {
        TestHome t = TestHome.system(dir);
        Clock clock = Clock.fixed(Instant.parse("1995-09-26T04:46:54Z"), ZoneOffset.UTC);
        QueueWriter w = new QueueWriter(t.queue, ReceivedLine.of(org.qmailj.common.QmailIds.read(t.home)), clock);
        QueueWriter.Staged s = w.stage(new QueueWriter.Origin(500, 4242, null), new ByteArrayInputStream(bytes("Subject: x\n\nbody\n")));
        long n = s.number();
        assertThat(t.files("intd", "todo")).isEmpty();
        s.intd(new Envelope("me@here", java.util.List.of("a@b", "c@d")));
        assertThat(t.todo()).isEmpty();
        s.link();
        assertThat(t.todo()).containsExactly(n);
        assertThat(str(t.mess(n))).isEqualTo(
                "Received: (qmail 4242 invoked by uid 500); 26 Sep 1995 04:46:54 -0000\nSubject: x\n\nbody\n");
        assertThat(Files.getAttribute(t.queue.mess(n), "unix:ino")).isEqualTo(n);
        assertThat(t.queue.mess(n).getParent().getFileName().toString()).isEqualTo(Long.toString(n % 23));
        assertThat(str(Files.readAllBytes(t.queue.todo(n)))).isEqualTo("u500\0p4242\0Fme@here\0Ta@b\0Tc@d\0");
        assertThat(Files.readAllBytes(t.queue.intd(n))).isEqualTo(Files.readAllBytes(t.queue.todo(n)));
        assertThat(Files.getAttribute(t.queue.intd(n), "unix:nlink")).isEqualTo(2);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(t.queue.mess(n)))).isEqualTo("rw-r--r--");
        assertThat(t.files("pid")).isEmpty();
    }

    /** Reads what is pending on a fifo opened with {@link org.qmailj.common.sys.Fifo#openRead}. */
    private static int pending(int fd) throws IOException {
        byte[] b = new byte[64];
        int total = 0;
        for (int r; (r = org.qmailj.common.sys.Fd.read(fd, b, 0, b.length)) > 0; ) total += r;
        return total;
    }

    @Test
    void everyCommitPullsTheTriggerAfterTodoIsSynced() throws Exception {
        TestHome t = TestHome.system(dir);
        QueueWriter w = new QueueWriter(t.queue, ReceivedLine.of(org.qmailj.common.QmailIds.read(t.home)), Clock.systemUTC());
        int fifo = org.qmailj.common.sys.Fifo.openRead(t.queue.trigger());
        try {
            for (int i = 1; i <= 3; i++) {
                QueueWriter.Staged s = w.stage(new QueueWriter.Origin(500, 1, null), new ByteArrayInputStream(bytes("m\n")));
                s.intd(new Envelope("me@here", java.util.List.of("a@b")));
                assertThat(pending(fifo)).as("before the commit %d", i).isZero();
                s.link();
                assertThat(pending(fifo)).as("commit %d: one pull", i).isEqualTo(1);
            }
        } finally {
            org.qmailj.common.sys.Fd.close(fifo);
        }
    }

    /**
     * The writer holds the queue directories open for their fsyncs; a todo/ replaced while it
     * runs (it should not be) is let go: the next message is linked into the new todo/ and
     * that one is synced (the descriptor the process holds names it, per /proc/self/fd).
     */
    @Test
    void aTodoDirectoryReplacedWhileTheWriterRunsIsTheOneSynced() throws Exception {
        TestHome t = TestHome.system(dir);
        QueueWriter w = new QueueWriter(t.queue, ReceivedLine.of(org.qmailj.common.QmailIds.read(t.home)), Clock.systemUTC());
        Path todo = t.queue.dir("todo").toRealPath();
        Path old = todo.resolveSibling("todo.old");
        long[] n = new long[2];
        for (int i = 0; i < 2; i++) {
            if (i == 1) {
                Files.move(todo, old);
                Files.createDirectory(todo, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            QueueWriter.Staged s = w.stage(new QueueWriter.Origin(500, 1, null), new ByteArrayInputStream(bytes("m\n")));
            s.intd(new Envelope("me@here", java.util.List.of("a@b")));
            s.link();
            n[i] = s.number();
        }
        assertThat(t.todo()).containsExactly(n[1]);
        assertThat(old.resolve(Long.toString(n[0]))).exists();
        java.util.List<String> held = new java.util.ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    held.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException e) {
                    // the listing's own descriptor
                }
            }
        }
        assertThat(held).contains(todo.toString()).doesNotContain(old.toString());
    }

    /** A message larger than the copy buffer, read in odd pieces, lands whole after the Received line. */
    @Test
    void aLargeMessageReadInPiecesIsCopiedWhole() throws Exception {
        TestHome t = TestHome.system(dir);
        Clock clock = Clock.fixed(Instant.parse("1995-09-26T04:46:54Z"), ZoneOffset.UTC);
        QueueWriter w = new QueueWriter(t.queue, ReceivedLine.of(org.qmailj.common.QmailIds.read(t.home)), clock);
        byte[] head = bytes("Received: (qmail 4242 invoked by uid 500); 26 Sep 1995 04:46:54 -0000\n");
        for (int size : new int[] {0, 1, QueueWriter.COPY_BUFFER - head.length, QueueWriter.COPY_BUFFER - head.length + 1,
                3 * QueueWriter.COPY_BUFFER + 17}) {
            byte[] body = new byte[size];
            for (int i = 0; i < size; i++) body[i] = (byte) (i * 31 + 7);
            InputStream pieces = new ByteArrayInputStream(body) {
                @Override
                public synchronized int read(byte[] b, int off, int len) {
                    return super.read(b, off, Math.min(len, 1000 + (pos % 7)));
                }
            };
            QueueWriter.Staged s = w.stage(new QueueWriter.Origin(500, 4242, null), pieces);
            long n = s.number();
            byte[] expected = Arrays.copyOf(head, head.length + size);
            System.arraycopy(body, 0, expected, head.length, size);
            assertThat(s.bytes()).as("size %d", size).isEqualTo(expected.length);
            s.intd(new Envelope("me@here", java.util.List.of("a@b")));
            s.link();
            assertThat(Files.readAllBytes(t.queue.mess(n))).as("size %d", size).isEqualTo(expected);
        }
    }

    /**
     * The copy buffers are kept from message to message (BufferPool): a message and an envelope
     * written after larger ones hold their own bytes only, none of the earlier ones'.
     */
    @Test
    void aMessageAfterALargerOneHoldsOnlyItsOwnBytes() throws Exception {
        TestHome t = TestHome.system(dir);
        Clock clock = Clock.fixed(Instant.parse("1995-09-26T04:46:54Z"), ZoneOffset.UTC);
        QueueWriter w = new QueueWriter(t.queue, ReceivedLine.of(org.qmailj.common.QmailIds.read(t.home)), clock);
        String head = "Received: (qmail 4242 invoked by uid 500); 26 Sep 1995 04:46:54 -0000\n";
        int[] sizes = {3 * QueueWriter.COPY_BUFFER + 17, QueueWriter.COPY_BUFFER, 900, 1};
        for (int k = 0; k < sizes.length; k++) {
            String body = String.valueOf((char) ('a' + k)).repeat(sizes[k]);
            java.util.List<String> rcpts = new java.util.ArrayList<>();
            // 40 recipients of ~1,000 bytes (more than a buffer) first, then fewer and shorter ones
            for (int i = 0; i < 40 >> (2 * k); i++) rcpts.add(String.valueOf((char) ('A' + k)).repeat(990 >> k) + i + "@x");
            QueueWriter.Staged s = w.stage(new QueueWriter.Origin(500, 4242, null), new ByteArrayInputStream(bytes(body)));
            long n = s.number();
            s.intd(new Envelope("me@here", rcpts));
            s.link();
            assertThat(str(Files.readAllBytes(t.queue.mess(n)))).as("message %d", k).isEqualTo(head + body);
            StringBuilder env = new StringBuilder("u500\0p4242\0Fme@here\0");
            for (String r : rcpts) env.append('T').append(r).append('\0');
            assertThat(str(Files.readAllBytes(t.queue.intd(n)))).as("envelope %d", k).isEqualTo(env.toString());
        }
    }

    @Test
    void receivedLineNamesTheRoles() {
        ReceivedLine r = new ReceivedLine(7790, 7791, 7796);
        Instant when = Instant.parse("2026-01-05T14:03:09Z");
        assertThat(str(r.line(1, 7790, null, when))).isEqualTo("Received: (qmail 1 invoked by alias); 5 Jan 2026 14:03:09 -0000\n");
        assertThat(str(r.line(1, 7791, null, when))).contains("invoked from network");
        assertThat(str(r.line(1, 7796, "alias", when))).contains("invoked for bounce");
        assertThat(str(r.line(1, 0, "qmaild", when))).contains("invoked by uid 0");
        ReceivedLine sandbox = new ReceivedLine(1000, 1000, 1000);
        assertThat(str(sandbox.line(9, 1000, null, when))).contains("(qmail 9 invoked by uid 1000)");
        assertThat(str(sandbox.line(9, 1000, "qmaild", when))).contains("invoked from network");
        assertThat(str(sandbox.line(9, 1000, "qmails", when))).contains("invoked for bounce");
        assertThat(str(sandbox.line(9, 1000, "alias", when))).contains("invoked by alias");
    }

    static int direct(TestHome t, byte[] message, byte[] envelope) {
        return QmailQueue.run(t.home, new ByteArrayInputStream(message), new ByteArrayInputStream(envelope),
                new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void directPathQueuesWithTheCallersUid() throws Exception {
        TestHome t = TestHome.system(dir);
        assertThat(direct(t, bytes("hi\n"), bytes("Fa@b\0Tc@d\0\0"))).isZero();
        long n = t.todo().getFirst();
        assertThat(str(t.mess(n))).matches("Received: \\(qmail " + ProcessHandle.current().pid() + " invoked by uid "
                + Proc.getuid() + "\\); \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d -0000\nhi\n");
        assertThat(str(Files.readAllBytes(t.queue.todo(n))))
                .isEqualTo("u" + Proc.getuid() + "\0p" + ProcessHandle.current().pid() + "\0Fa@b\0Tc@d\0");
    }

    @Test
    void nulBytesInTheMessageAreKept() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        byte[] msg = bytes("a\0b\0\0c\n");
        assertThat(direct(t, msg, bytes("F\0Tx@y\0\0"))).isZero();
        byte[] m = t.mess(t.todo().getFirst());
        assertThat(Arrays.copyOfRange(m, m.length - msg.length, m.length)).isEqualTo(msg);
    }

    /** The bad inputs of issue 3, with qmail-queue's exit codes; nothing may be left behind. */
    static final Object[][] BAD = {
        {"envelope without F", "Tx@y\0\0", QueueExit.ENVELOPE_FORMAT},
        {"second F instead of T", "Fa\0Fb\0\0", QueueExit.ENVELOPE_FORMAT},
        {"T without its NUL", "Fa\0Tb", QueueExit.READ_ERROR},
        {"no final NUL", "Fa\0Tb\0", QueueExit.READ_ERROR},
        {"empty envelope", "", QueueExit.READ_ERROR},
        {"sender of 1003 bytes", "F" + "s".repeat(1003) + "\0\0", QueueExit.ADDRESS_TOO_LONG},
        {"recipient of 1003 bytes", "Fa\0T" + "r".repeat(1003) + "\0\0", QueueExit.ADDRESS_TOO_LONG},
        {"recipient of 5000 bytes", "Fa\0T" + "r".repeat(5000) + "\0\0", QueueExit.ADDRESS_TOO_LONG},
    };

    @Test
    void badEnvelopesLeaveNothing() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        for (Object[] c : BAD) {
            assertThat(direct(t, bytes("m\n"), bytes((String) c[1]))).as((String) c[0]).isEqualTo(((QueueExit) c[2]).code());
            assertThat(t.leftovers()).as((String) c[0]).isEmpty();
        }
        assertThat(direct(t, bytes("m\n"), bytes("Fa\0T" + "r".repeat(1002) + "\0\0"))).as("1002 bytes is fine").isZero();
    }

    @Test
    void messageReadErrorIs54() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        InputStream broken = new InputStream() {
            int n;
            @Override public int read() throws IOException {
                if (n++ > 100) throw new IOException("EIO");
                return 'x';
            }
        };
        assertThat(QmailQueue.run(t.home, broken, new ByteArrayInputStream(bytes("Fa\0\0")), System.err)).isEqualTo(54);
        assertThat(t.leftovers()).isEmpty();
    }

    @Test
    void missingHomeIs61AndMissingQueueIs62() throws Exception {
        TestHome t = TestHome.sandbox(dir.resolve("h"));
        assertThat(QmailQueue.run(new org.qmailj.common.QmailHome(dir.resolve("nope")), new ByteArrayInputStream(new byte[0]),
                new ByteArrayInputStream(new byte[0]), System.err)).isEqualTo(61);
        org.qmailj.common.queue.QueueLayout.DIRS.reversed().forEach(d -> { });
        try (var s = Files.walk(t.queue.root())) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertThat(direct(t, bytes("m"), bytes("Fa\0\0"))).isEqualTo(62);
    }

    /** An envelope of n recipients, generated as it is read: nothing holds it whole. */
    static InputStream manyRecipients(int n) {
        return new InputStream() {
            int i = -1;
            byte[] cur = bytes("Fbig@sender\0");
            int pos;

            @Override
            public int read() {
                if (pos == cur.length) {
                    if (i == n) return -1;
                    i++;
                    cur = i < n ? bytes("Trcpt" + i + "@example.org\0") : new byte[] {0};
                    pos = 0;
                }
                return cur[pos++] & 0xff;
            }
        };
    }

    @Test
    void theEnvelopeIsStreamedRecordByRecordIntoIntd() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        QueueWriter w = new QueueWriter(t.queue, ReceivedLine.of(org.qmailj.common.QmailIds.read(t.home)), Clock.systemUTC());
        QueueWriter.Staged s = w.stage(new QueueWriter.Origin(7, 8, null), new ByteArrayInputStream(bytes("m\n")));
        s.intd(new java.io.BufferedInputStream(manyRecipients(200_000)));
        s.link();
        byte[] todo = Files.readAllBytes(t.queue.todo(s.number()));
        String head = "u7\0p8\0Fbig@sender\0Trcpt0@example.org\0Trcpt1@example.org\0";
        assertThat(str(Arrays.copyOf(todo, head.length()))).isEqualTo(head);
        assertThat(str(todo)).endsWith("\0Trcpt199999@example.org\0");
        assertThat(str(todo).chars().filter(c -> c == 0).count()).isEqualTo(3 + 200_000);
    }

    /** A stream that gives {@code prefix}, then throws OutOfMemoryError, as a thread out of heap would. */
    static InputStream thenOutOfMemory(byte[] prefix) {
        return new InputStream() {
            int pos;

            @Override
            public int read() {
                if (pos < prefix.length) return prefix[pos++] & 0xff;
                throw new OutOfMemoryError("Java heap space (test)");
            }
        };
    }

    @Test
    void outOfMemoryWhileWritingLeavesNoFile() throws Exception {
        TestHome t = TestHome.sandbox(dir);
        QueueWriter w = new QueueWriter(t.queue, ReceivedLine.of(org.qmailj.common.QmailIds.read(t.home)), Clock.systemUTC());
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                w.stage(new QueueWriter.Origin(7, 8, null), thenOutOfMemory(new byte[100_000])))
                .isInstanceOf(OutOfMemoryError.class);
        assertThat(t.leftovers()).isEmpty();
        QueueWriter.Staged s = w.stage(new QueueWriter.Origin(7, 8, null), new ByteArrayInputStream(bytes("m\n")));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.intd(thenOutOfMemory(bytes("Fa\0Tb\0Tc\0"))))
                .isInstanceOf(OutOfMemoryError.class);
        assertThat(t.leftovers()).isEmpty();
        assertThat(direct(t, bytes("m\n"), bytes("Fa\0Tb\0\0"))).isZero();
    }
}
