package org.qmailj.smtpd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * Runs one in-process session per accepted loopback connection on a virtual thread, as
 * tcpserver does, and records each session's exit code.
 */
public final class LoopbackServer implements AutoCloseable {
    private final ServerSocket server;
    public final ConcurrentLinkedQueue<CompletableFuture<Integer>> exits = new ConcurrentLinkedQueue<>();

    public interface Session {
        int run(Map<String, String> env, Wire wire) throws IOException;
    }

    public LoopbackServer(Function<Socket, Map<String, String>> env, Session session) throws IOException {
        server = new ServerSocket(0, 2000, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("test-accept").start(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                CompletableFuture<Integer> f = new CompletableFuture<>();
                exits.add(f);
                Thread.startVirtualThread(() -> {
                    try (SocketWire w = new SocketWire(s, 1200)) {
                        f.complete(session.run(env.apply(s), w));
                    } catch (Throwable t) {
                        t.printStackTrace();
                        f.completeExceptionally(t);
                    }
                });
            }
        });
    }

    public static LoopbackServer smtpd(TestHome home, Map<String, String> env) throws IOException {
        return new LoopbackServer(s -> env, (e, w) -> SmtpdSession.serve(home.home(), e, w));
    }

    public SmtpClient connect() throws IOException {
        return new SmtpClient(new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort()));
    }

    public int port() { return server.getLocalPort(); }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
