package org.qmailj.common.queue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The wire format between injectors and the queue writer daemon, spoken over the Unix-domain
 * stream socket {@code queue/lock/qmail-queue.sock}, one message per connection unless the
 * client asks to keep it (below). The writer learns the caller's uid from the kernel
 * (SO_PEERCRED); nothing the client sends names a uid.
 *
 * <pre>
 * inject  = 'Q' header message envelope [ 'C' ]
 * header  = *( tag value NUL ) NUL          ; tags: 'p' caller pid (decimal, informative:
 *                                           ;   it goes into the Received line); 'r' role
 *                                           ;   (alias, qmaild or qmails), honoured only when
 *                                           ;   the peer uid is that role's; 'q' the qp
 *                                           ;   (decimal, optional, see below); 's' "1": the
 *                                           ;   client takes a stamped answer (see below);
 *                                           ;   'k' "1": keep the connection (see below)
 * message = *( len32 1*OCTET ) len32-zero   ; chunks; len32 = 4-byte big-endian length, 1..1 MiB
 * envelope = qmail-queue's fd-1 envelope: 'F' sender NUL *( 'T' rcpt NUL ) NUL
 * resolve = 'R' num64                       ; "did message N get queued?" after a lost answer
 *         / 'r' num64 stamp64               ; the same for message N with that stamp
 * clean   = 'K'                             ; a qmail-clean(8) session, for qmail-start: after
 *                                           ;   the answer 'X' 0 the connection carries
 *                                           ;   qmail-clean's commands and replies until
 *                                           ;   end of file; refused ('X' 81) unless the peer
 *                                           ;   is root or the writer's own uid
 *
 * answer  = prepared / final
 * prepared = 'P' num64                      ; mess/S/N and intd/N are on disk, synced;
 *                                           ;   'C' from the client commits it
 *          / 'S' num64 stamp64              ; the same, to a client that sent 's'
 * final   = 'X' OCTET                       ; qmail-queue's exit code; 0 after 'C' means
 *                                           ;   todo/N exists and is synced
 *         / 'Y'                             ; as 'X' 0, to a client that sent 'k': and the
 *                                           ;   connection takes another request
 * </pre>
 *
 * The writer may send a final answer at any moment (for instance 53 when the disk fills
 * while the message streams, or 71 at once when the caller's uid is over its connection
 * budget) and close. A client that loses the connection after sending 'C' reconnects and
 * sends {@code resolve}: the answer is 'X' 0 if the message is queued (todo/N exists, or
 * intd/N is gone because qmail-send has taken it), otherwise the writer removes intd/N and
 * mess/S/N and answers 'X' 74. A client that disconnects before 'C' leaves nothing behind.
 * The writer reads 'C' only after it has sent the prepared answer, so a client may send 'C'
 * right behind the envelope, before it hears N (ours does: the writer then finds it waiting
 * instead of parking for one more round trip); N still reaches the client before anything is
 * committed, and a client whose connection breaks before it hears N knows nothing was.
 * The writer streams the envelope into intd/N as it arrives and times every read: a client
 * that stops sending is dropped and what it made removed. num64 is 8 bytes big-endian.
 *
 * <p>The stamp tells message N from a later message numbered N: intd/N's modification time
 * in nanoseconds once its envelope is written. The writer reuses finished messages' files
 * (qmail-queue's InodePool) a few seconds after qmail-clean gave them back, so by the time a
 * client whose answer was lost asks, message N may have been committed, delivered, cleaned
 * and its inode taken by another message, whose intd/N the old client must neither read as
 * its own nor withdraw. With 'r', an intd/N written at another time is another message: the
 * asker's was committed (only a commit lets it go), so the answer is 'X' 0 and the other
 * message is left alone. Writers that do not know 's' answer 'P'; a client then resolves
 * with 'R'.
 *
 * <p>Kept connections: a message whose header had 'k' is answered 'Y' instead of 'X' 0, and
 * the writer then reads the connection's next request, which must be another inject (anything
 * else is answered 'X' 81 and the connection closed). Any other final answer ends the
 * connection as before, and so does every answer of a writer that does not know 'k': a
 * client keeps only a connection answered 'Y'. Waiting
 * for that request, the writer closes the connection after {@code KEEP_IDLE_SECONDS} (or its
 * read timeout, if shorter), and when it stops; so a client that takes a kept connection
 * again must expect it closed under it: its write fails (EPIPE), or its read ends, before any
 * 'P'. Nothing was queued then, and the client sends the same request on a new connection.
 * A server process (tcpserver's qmail-smtpd) so saves a connect, an accept and the peer's
 * credentials per message. Writers that do not know 'k' close after 'X' as before.
 *
 * <p>A clean session is qmail-clean running inside the writer (both are qmailq), one JVM
 * fewer: qmail-start asks for one as root and gives the socket to qmail-send as its
 * descriptors 5 and 6. The session is outside the connection budget and read timeouts (its
 * client waits for work, as qmail-send's pipes to qmail-clean do), and it ends with either
 * side: qmail-send's exit ends it, and the writer's exit is "lost qmail-clean connection" for
 * qmail-send, which exits for supervise to start both again.
 *
 * <p>The qp (qmail_qp) is the number the writer records as the envelope's {@code p} field and
 * the client reports ("250 ok ... qp Q", "Kok ... qp Q", "bounce msg N qp Q"; qmail-send
 * logs it in "info msg N: ... qp Q", and qmailanalog's matchup joins a bounce to its message
 * on it). In qmail it is the pid of the qmail-queue process, unique among the messages being
 * queued. Without a 'q' record the writer uses the message number N, which the client learns
 * from 'P': unique among all messages in the queue at once (it is mess/S/N's inode), whereas
 * the pid of a socket client is shared by every session of a multi-session server. A client
 * that is itself one process per message (bin/qmail-queue relaying to the writer, whose
 * caller reports that process's pid as the qp) sends 'q' with its own pid. Writers that do
 * not know 'q' ignore it; clients that do not send it get N. No answer changes.
 */
public final class WriterProtocol {
    public static final String SOCKET_NAME = "qmail-queue.sock";
    public static final int MAX_CHUNK = 1 << 20;
    public static final byte INJECT = 'Q';
    public static final byte RESOLVE = 'R';
    public static final byte RESOLVE_STAMPED = 'r';
    public static final byte PREPARED = 'P';
    public static final byte PREPARED_STAMPED = 'S';
    public static final byte FINAL = 'X';
    public static final byte KEPT = 'Y';
    public static final byte COMMIT = 'C';
    public static final byte CLEAN = 'K';
    /** How long a writer keeps an idle kept connection; clients reuse one idle for less. */
    public static final int KEEP_IDLE_SECONDS = 30;

    private WriterProtocol() {}

    /** The socket of the queue at {@code queue}: {@code queue/lock/qmail-queue.sock}. */
    public static Path socket(QueueLayout queue) {
        return queue.lockDir().resolve(SOCKET_NAME);
    }

    /**
     * The header; {@code qp} is 0 when the client named none; {@code stamps}: the client takes
     * a stamped prepared answer; {@code keep}: the client may send another message on the
     * connection after a commit.
     */
    public record Header(long pid, String role, long qp, boolean stamps, boolean keep) {}

    public static void writeHeader(OutputStream out, long pid, String role) throws IOException {
        writeHeader(out, pid, role, 0, false);
    }

    /**
     * {@code qp} 0: none named (the writer uses the message number); {@code keep}: ask to
     * keep the connection for another message.
     */
    public static void writeHeader(OutputStream out, long pid, String role, long qp, boolean keep) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(INJECT);
        Envelope.record(b, 'p', Long.toString(pid));
        if (role != null) Envelope.record(b, 'r', role);
        if (qp > 0) Envelope.record(b, 'q', Long.toString(qp));
        Envelope.record(b, 's', "1");
        if (keep) Envelope.record(b, 'k', "1");
        b.write(0);
        out.write(b.toByteArray());
    }

    /** Reads the header after the 'Q' byte. */
    public static Header readHeader(InputStream in) throws IOException {
        long pid = 0;
        long qp = 0;
        String role = null;
        boolean stamps = false;
        boolean keep = false;
        while (true) {
            int tag = in.read();
            if (tag < 0) throw new EOFException("header ended early");
            if (tag == 0) return new Header(pid, role, qp, stamps, keep);
            String v = readText0(in, 64);
            switch (tag) {
                case 'p' -> pid = number(v, "pid");
                case 'q' -> {
                    qp = number(v, "qp");
                    if (qp <= 0) throw new IOException("bad qp in header");
                }
                case 'r' -> role = v;
                case 's' -> stamps = v.equals("1");
                case 'k' -> keep = v.equals("1");
                default -> { } // unknown records are ignored, for later additions
            }
        }
    }

    private static long number(String v, String what) throws IOException {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IOException("bad " + what + " in header");
        }
    }

    private static String readText0(InputStream in, int max) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) throw new EOFException("header ended early");
            if (c == 0) return b.toString(StandardCharsets.ISO_8859_1);
            if (b.size() >= max) throw new IOException("header record too long");
            b.write(c);
        }
    }

    public static void writeNumber(OutputStream out, byte tag, long n) throws IOException {
        byte[] b = new byte[9];
        b[0] = tag;
        for (int i = 0; i < 8; i++) b[8 - i] = (byte) (n >>> (8 * i));
        out.write(b);
    }

    /** {@code tag num64 stamp64} in one write: 'S' and 'r'. */
    public static void writeStamped(OutputStream out, byte tag, long n, long stamp) throws IOException {
        byte[] b = new byte[17];
        b[0] = tag;
        for (int i = 0; i < 8; i++) {
            b[8 - i] = (byte) (n >>> (8 * i));
            b[16 - i] = (byte) (stamp >>> (8 * i));
        }
        out.write(b);
    }

    /**
     * Eight bytes, most significant first, as DataInputStream.readLong reads them; by hand, since
     * DataInputStream's first use initialises a dozen VarHandle classes (a millisecond of every
     * interpreted sendmail call).
     */
    public static long readNumber(InputStream in) throws IOException {
        long n = 0;
        for (int i = 0; i < 8; i++) {
            int b = in.read();
            if (b < 0) throw new EOFException("number ended early");
            n = n << 8 | b;
        }
        return n;
    }

    public static void writeFinal(OutputStream out, int exit) throws IOException {
        out.write(new byte[] {FINAL, (byte) exit});
    }

    /** An answer from the writer: {@link Prepared}, {@link Final} or {@link Kept}. */
    public sealed interface Answer permits Prepared, Final, Kept {}
    /** Message N is prepared; {@code stamp} is {@link #NO_STAMP} from a writer that sent 'P'. */
    public record Prepared(long number, long stamp) implements Answer {
        public Prepared(long number) {
            this(number, NO_STAMP);
        }
    }
    public static final long NO_STAMP = -1;
    public record Final(int exit) implements Answer {}
    /** Queued (exit 0), and the connection takes another request. */
    public record Kept() implements Answer {}

    public static void writeKept(OutputStream out) throws IOException {
        out.write(KEPT);
    }

    public static Answer readAnswer(InputStream in) throws IOException {
        int tag = in.read();
        if (tag == PREPARED) return new Prepared(readNumber(in));
        if (tag == PREPARED_STAMPED) {
            long n = readNumber(in);
            long stamp = readNumber(in);
            if (stamp < 0) throw new IOException("bad stamp from the queue writer");
            return new Prepared(n, stamp);
        }
        if (tag == FINAL) {
            int code = in.read();
            if (code < 0) throw new EOFException("answer ended early");
            return new Final(code);
        }
        if (tag == KEPT) return new Kept();
        if (tag < 0) throw new EOFException("no answer from the queue writer");
        throw new IOException("bad answer from the queue writer: " + tag);
    }

    /** Writes the message as chunks; {@link #close()} writes the zero length, not closing the socket. */
    public static final class ChunkOutputStream extends OutputStream {
        /**
         * Bytes a client holds per message: qmail-smtpd has one per session in DATA, and
         * tcpserver hosts hundreds of sessions in a fixed heap (16 KiB x 400 sessions = 6 MiB).
         */
        public static final int CHUNK = 16384;
        private final OutputStream out;
        private final byte[] buf = new byte[CHUNK];
        private int n;

        public ChunkOutputStream(OutputStream out) { this.out = out; }

        @Override
        public void write(int b) throws IOException {
            if (n == buf.length) flushChunk();
            buf[n++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (n == buf.length) flushChunk();
                int k = Math.min(len, buf.length - n);
                System.arraycopy(b, off, buf, n, k);
                n += k;
                off += k;
                len -= k;
            }
        }

        private void flushChunk() throws IOException {
            if (n == 0) return;
            out.write(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
            out.write(buf, 0, n);
            n = 0;
        }

        @Override
        public void flush() throws IOException {
            flushChunk();
            out.flush();
        }

        /** Ends the message (zero-length chunk). */
        @Override
        public void close() throws IOException {
            flushChunk();
            out.write(new byte[4]);
        }
    }

    /** Reads a chunked message up to its zero-length end; end of input before it is an EOFException. */
    public static final class ChunkInputStream extends InputStream {
        private final DataInputStream in;
        private int left;
        private boolean done;

        public ChunkInputStream(InputStream in) { this.in = new DataInputStream(in); }

        private boolean fill() throws IOException {
            while (left == 0 && !done) {
                int len = in.readInt();
                if (len < 0 || len > MAX_CHUNK) throw new IOException("bad chunk length " + len);
                if (len == 0) done = true;
                left = len;
            }
            return left > 0;
        }

        @Override
        public int read() throws IOException {
            if (!fill()) return -1;
            int c = in.read();
            if (c < 0) throw new EOFException("message ended early");
            left--;
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (!fill()) return -1;
            int r = in.read(b, off, Math.min(len, left));
            if (r < 0) throw new EOFException("message ended early");
            left -= r;
            return r;
        }
    }
}
