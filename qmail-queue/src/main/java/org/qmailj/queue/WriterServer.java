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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.EnvelopeFormatException;
import org.qmailj.common.queue.QueueExit;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.common.sys.Passwd;

/**
 * The queue writer daemon's server: accepts connections on {@code queue/lock/qmail-queue.sock}
 * and writes each message with {@link QueueWriter}, speaking {@link WriterProtocol}. The
 * caller's uid comes from SO_PEERCRED (the user name the kernel reports, mapped through
 * getpwnam), never from the client.
 *
 * <p>Threads: one named platform thread accepts; each connection runs on its own virtual
 * thread. Messages whose commit is in progress are tracked so that a resolve request for the
 * same number waits for it.
 */
public final class WriterServer implements AutoCloseable {
    private final QueueWriter writer;
    private final QmailIds ids;
    private final Path socket;
    private final ServerSocketChannel server;
    private final ConcurrentHashMap<Long, Object> inFlight = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private WriterServer(QueueWriter writer, QmailIds ids, Path socket, ServerSocketChannel server) {
        this.writer = writer;
        this.ids = ids;
        this.socket = socket;
        this.server = server;
    }

    /**
     * Binds the socket (mode 0666: any local user may inject, as with qmail's setuid
     * qmail-queue). A stale socket file is removed; a live one means another writer runs.
     */
    public static WriterServer bind(QueueWriter writer, QmailIds ids) throws IOException {
        Path socket = WriterProtocol.socket(writer.layout());
        if (Files.exists(socket)) {
            if (new SocketQueueClient(socket).answers()) throw new IOException("another queue writer listens on " + socket);
            Files.delete(socket);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket), 256);
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        return new WriterServer(writer, ids, socket, server);
    }

    public Path socket() { return socket; }

    /** Starts the accept loop on a platform thread named "qmail-queue accept". */
    public Thread start() {
        return Thread.ofPlatform().name("qmail-queue accept").daemon(false).start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (closed) return;
                continue;
            }
            Thread.ofVirtual().start(() -> serve(ch));
        }
    }

    private Optional<Long> peerUid(SocketChannel ch) {
        try {
            UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            String name = p.user().getName();
            var pw = Passwd.getpwnam(name);
            if (pw.isPresent()) return Optional.of((long) pw.get().uid());
            return Optional.of(Long.parseLong(name)); // a uid without a passwd entry
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** qmail-queue gives up after 24 hours; so does a connection here. */
    static final long DEATH_MILLIS = 86_400_000L;

    private void serve(SocketChannel ch) {
        Thread alarm = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(DEATH_MILLIS);
                ch.close();
            } catch (InterruptedException | IOException e) {
                // the connection ended first
            }
        });
        try (ch) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch), 65536);
            OutputStream out = Channels.newOutputStream(ch);
            int request = in.read();
            if (request < 0) return; // a probe
            Optional<Long> uid = peerUid(ch);
            if (uid.isEmpty()) {
                WriterProtocol.writeFinal(out, QueueExit.BUG.code());
                return;
            }
            if (request == WriterProtocol.RESOLVE) {
                resolve(uid.get(), WriterProtocol.readNumber(in), out);
            } else if (request == WriterProtocol.INJECT) {
                inject(uid.get(), in, out);
            } else {
                WriterProtocol.writeFinal(out, QueueExit.BUG.code());
            }
        } catch (IOException e) {
            // the client went away; inject() has removed what it made
        } finally {
            alarm.interrupt();
        }
    }

    private void resolve(long uid, long n, OutputStream out) throws IOException {
        Object mark = new Object();
        while (inFlight.putIfAbsent(n, mark) != null) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
        try {
            boolean queued = writer.resolve(n, uid);
            WriterProtocol.writeFinal(out, queued ? 0 : QueueExit.COMMUNICATION.code());
        } finally {
            inFlight.remove(n, mark);
        }
    }

    private void inject(long uid, InputStream in, OutputStream out) throws IOException {
        WriterProtocol.Header h = WriterProtocol.readHeader(in);
        String role = h.role();
        if (role != null && !roleMatches(role, uid)) role = null;
        QueueWriter.Staged s;
        try {
            s = writer.stage(new QueueWriter.Origin(uid, h.pid(), role), new WriterProtocol.ChunkInputStream(in));
        } catch (QueueFailure f) {
            WriterProtocol.writeFinal(out, f.exit().code());
            return;
        }
        Object mark = new Object();
        inFlight.put(s.number(), mark);
        try {
            Envelope env;
            try {
                env = Envelope.read(in);
            } catch (EnvelopeFormatException e) {
                s.abort();
                WriterProtocol.writeFinal(out, e.exit().code());
                return;
            } catch (IOException e) {
                s.abort();
                throw e;
            }
            try {
                s.intd(env);
            } catch (QueueFailure f) {
                WriterProtocol.writeFinal(out, f.exit().code());
                return;
            }
            WriterProtocol.writeNumber(out, WriterProtocol.PREPARED, s.number());
            int c;
            try {
                c = in.read();
            } catch (IOException e) {
                c = -1;
            }
            if (c != WriterProtocol.COMMIT) {
                s.abort();
                return;
            }
            try {
                s.link();
                WriterProtocol.writeFinal(out, 0);
            } catch (QueueFailure f) {
                WriterProtocol.writeFinal(out, f.exit().code());
            }
        } finally {
            inFlight.remove(s.number(), mark);
        }
    }

    private boolean roleMatches(String role, long uid) {
        try {
            return switch (role) {
                case "alias", "qmaild", "qmails" -> ids.uid(role) == uid;
                default -> false;
            };
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        Files.deleteIfExists(socket);
    }
}
