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
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.WriterProtocol;

/**
 * A stand-in for the queue writer during the AOT training runs ({@link InjectTraining}): answers
 * {@code sessions} injections on a Unix-domain socket as the writer does ({@link WriterProtocol}:
 * prepared, then exit 0 after the commit) and keeps nothing. It exists so the client side of a
 * real injection (connect, chunks, answers, close) is trained without a queue on disk.
 */
final class TrainingWriter implements AutoCloseable {
    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread thread;
    private volatile Throwable failure;
    private volatile int served;

    private TrainingWriter(Path socket, ServerSocketChannel server, int sessions) {
        this.socket = socket;
        this.server = server;
        this.thread = new Thread(() -> serve(sessions), "training-writer");
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

    private void serve(int sessions) {
        try {
            while (served < sessions) {
                try (SocketChannel ch = server.accept()) {
                    InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
                    OutputStream out = Channels.newOutputStream(ch);
                    if (in.read() != WriterProtocol.INJECT) throw new IOException("not an injection");
                    WriterProtocol.Header h = WriterProtocol.readHeader(in);
                    new WriterProtocol.ChunkInputStream(in).transferTo(OutputStream.nullOutputStream());
                    Envelope.read(in);
                    // The answer the real writer gives, so that the client's path is the one trained.
                    if (h.stamps()) WriterProtocol.writeStamped(out, WriterProtocol.PREPARED_STAMPED, served + 1, System.nanoTime() & Long.MAX_VALUE);
                    else WriterProtocol.writeNumber(out, WriterProtocol.PREPARED, served + 1);
                    if (in.read() != WriterProtocol.COMMIT) throw new IOException("no commit");
                    WriterProtocol.writeFinal(out, 0);
                    served++;
                }
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
    }

    /** Waits until every session was served; an IOException if one went wrong. */
    void await() throws IOException, InterruptedException {
        thread.join(60_000);
        if (thread.isAlive()) throw new IOException("training writer: sessions not served in time");
        if (failure != null) throw new IOException("training writer failed", failure);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
