package org.qmailj.queue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.WriterProtocol;

/**
 * A stand-in for the queue writer during the AOT training runs ({@link InjectTraining}): answers
 * {@code sessions} injections on a Unix-domain socket as the writer does ({@link WriterProtocol}:
 * prepared, then exit 0 after the commit, on a kept connection if asked) and keeps nothing. It exists so the client side of a
 * real injection (connect, chunks, answers, close) is trained without a queue on disk.
 */
final class TrainingWriter implements AutoCloseable {
    private final Path socket;
    private final ServerSocketChannel server;
    private final int sessions;
    private final Thread thread;
    /** Counted down per message served; a connection that fails counts down the rest. */
    private final CountDownLatch left;
    private volatile Throwable failure;
    private final AtomicInteger served = new AtomicInteger();

    private TrainingWriter(Path socket, ServerSocketChannel server, int sessions) {
        this.socket = socket;
        this.server = server;
        this.sessions = sessions;
        this.left = new CountDownLatch(sessions);
        this.thread = new Thread(this::accept, "training-writer");
        this.thread.setDaemon(true);
    }

    static TrainingWriter start(Path socket, int sessions) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        TrainingWriter w = new TrainingWriter(socket, server, sessions);
        w.thread.start();
        return w;
    }

    Path socket() { return socket; }

    /** Each connection on a thread of its own: a kept one waits for its client's next message. */
    private void accept() {
        try {
            while (left.getCount() > 0) {
                SocketChannel ch = server.accept();
                Thread t = new Thread(() -> serve(ch), "training-writer connection");
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException e) {
            if (left.getCount() > 0) fail(e);
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
            OutputStream out = Channels.newOutputStream(ch);
            for (int request = in.read(); request >= 0; request = in.read()) {
                if (request != WriterProtocol.INJECT) throw new IOException("not an injection");
                WriterProtocol.Header h = WriterProtocol.readHeader(in);
                new WriterProtocol.ChunkInputStream(in).transferTo(OutputStream.nullOutputStream());
                Envelope.read(in);
                // The answers the real writer gives, so that the client's path is the one trained.
                int n = served.incrementAndGet();
                if (h.stamps()) WriterProtocol.writeStamped(out, WriterProtocol.PREPARED_STAMPED, n, System.nanoTime() & Long.MAX_VALUE);
                else WriterProtocol.writeNumber(out, WriterProtocol.PREPARED, n);
                if (in.read() != WriterProtocol.COMMIT) throw new IOException("no commit");
                if (h.keep()) WriterProtocol.writeKept(out); // the client may send its next one here
                else WriterProtocol.writeFinal(out, 0);
                left.countDown();
                if (!h.keep()) break;
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private void fail(Throwable e) {
        failure = e;
        while (left.getCount() > 0) left.countDown();
    }

    /** Waits until every session was served; an IOException if one went wrong. */
    void await() throws IOException, InterruptedException {
        if (!left.await(60, TimeUnit.SECONDS)) throw new IOException("training writer: sessions not served in time");
        if (failure != null) throw new IOException("training writer failed", failure);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
