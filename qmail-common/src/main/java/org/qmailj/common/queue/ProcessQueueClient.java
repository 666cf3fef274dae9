package org.qmailj.common.queue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Spawn;
import org.qmailj.common.sys.SysException;

/**
 * The classic path: one qmail-queue process per message, with the message on its fd 0, the
 * envelope on its fd 1 and, for exit code 82, its own D/Z text on fd 6 (qmail-queue(8)).
 * This is how $QMAILQUEUE programs are run, and the fallback when no queue writer daemon
 * listens. ProcessBuilder cannot give a child a pipe to read on fd 1, hence posix_spawn.
 *
 * <p>The pipes are reopened through /proc/self/fd so that reads and writes are ordinary JDK
 * file I/O, which lets a virtual thread block on them without pinning its carrier.
 * A program killed by a signal is "qq crashed"; one that cannot start, "unable to exec qq".
 */
public final class ProcessQueueClient implements QueueClient {
    private final List<String> command;
    private final Map<String, String> env;

    /** {@code command.get(0)} is an absolute path; env is the child's whole environment. */
    public ProcessQueueClient(List<String> command, Map<String, String> env) {
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
    }

    @Override
    public Session open() throws IOException {
        Fd.Pipe message = Fd.pipe();
        Fd.Pipe envelope = Fd.pipe();
        Fd.Pipe custom = Fd.pipe();
        long pid;
        try {
            pid = Spawn.spawn(command.getFirst(), command, env, List.of(
                    new Spawn.FdAction.Dup2(message.read(), 0),
                    new Spawn.FdAction.Dup2(envelope.read(), 1),
                    new Spawn.FdAction.Dup2(custom.write(), 6)));
        } catch (SysException e) {
            Fd.closeQuietly(message.read(), message.write(), envelope.read(), envelope.write(), custom.read(), custom.write());
            return new FailedSession(new QueueResult(120, QueueExit.CANNOT_EXEC));
        }
        Fd.closeQuietly(message.read(), envelope.read(), custom.write());
        return new ProcessSession(pid, Fd.reopenOutput(message.write()), Fd.reopenOutput(envelope.write()), Fd.reopenInput(custom.read()));
    }

    /** A session whose program never started: every write is dropped, commit reports why. */
    private record FailedSession(QueueResult result) implements Session {
        @Override public OutputStream message() { return OutputStream.nullOutputStream(); }
        @Override public QueueResult commit(Envelope envelope) { return result; }
        @Override public void close() { }
    }

    /**
     * Swallows write errors after the first, as qmail_put does: a qmail-queue that stops reading
     * has answered already, and its exit code is the answer the caller gets from commit.
     */
    private static final class ErrorLatch extends java.io.FilterOutputStream {
        boolean failed;

        ErrorLatch(OutputStream out) { super(out); }

        @Override
        public void write(byte[] b, int off, int len) {
            if (failed) return;
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                failed = true;
            }
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void flush() {
            if (failed) return;
            try {
                out.flush();
            } catch (IOException e) {
                failed = true;
            }
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    private static final class ProcessSession implements Session {
        private final long pid;
        private final ErrorLatch latch;
        private final OutputStream message;
        private final OutputStream envelope;
        private final InputStream custom;
        private boolean reaped;

        ProcessSession(long pid, OutputStream message, OutputStream envelope, InputStream custom) {
            this.pid = pid;
            this.latch = new ErrorLatch(message);
            this.message = new BufferedOutputStream(latch, WriterProtocol.ChunkOutputStream.CHUNK);
            this.envelope = envelope;
            this.custom = custom;
        }

        @Override
        public OutputStream message() { return message; }

        @Override
        public long qp() { return pid; }

        @Override
        public QueueResult commit(Envelope env) throws IOException {
            // A program that stops reading early has said no; its exit code tells why.
            quietly(message::close);
            try {
                envelope.write(env.encode());
            } catch (IOException e) {
                // as above
            }
            quietly(envelope::close);
            byte[] text = custom.readNBytes(1024);
            quietly(custom::close);
            Spawn.WaitStatus status = Spawn.waitpid(pid);
            reaped = true;
            QueueResult r = outcome(status, text);
            return r.ok() ? r.withQp(pid) : r;
        }

        private QueueResult outcome(Spawn.WaitStatus status, byte[] text) {
            if (!status.exited()) return new QueueResult(128 + status.signal(), QueueExit.CRASHED);
            int exit = status.exitCode();
            if (exit == QueueExit.CUSTOM.code()) {
                String s = firstLine(new String(text, StandardCharsets.ISO_8859_1));
                if (s.startsWith("D") || s.startsWith("Z")) return new QueueResult(exit, s);
            }
            // qmail_close: a clean exit after a lost write is still a read error.
            if (exit == 0 && latch.failed) return QueueResult.ofExit(QueueExit.READ_ERROR.code());
            return QueueResult.ofExit(exit);
        }

        private static String firstLine(String s) {
            int nl = s.indexOf('\n');
            return nl < 0 ? s : s.substring(0, nl);
        }

        @Override
        public void close() {
            if (reaped) return;
            // Abandoned before commit: closing the envelope pipe early makes qmail-queue see
            // end of file before the final NUL, so it queues nothing (exit 54).
            quietly(envelope::close);
            quietly(message::close);
            quietly(custom::close);
            try {
                Spawn.waitpid(pid);
            } catch (SysException e) {
                // nothing more to reap
            }
            reaped = true;
        }

        private interface IoAction { void run() throws IOException; }

        private static void quietly(IoAction a) {
            try {
                a.run();
            } catch (IOException e) {
                // the other side is gone; the exit status says what happened
            }
        }
    }
}
