package org.qmailj.pop3d;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.qmailj.smtpd.SocketWire;
import org.qmailj.smtpd.Wire;

/**
 * A session run in this JVM over a real loopback connection: the session's side is a
 * {@link SocketWire}, the test's side a plain socket it writes to and reads from. Replies are
 * read until an expected end, so a test never sleeps.
 */
final class Conversation implements AutoCloseable {
    final Socket client;
    final InputStream in;
    final OutputStream out;
    final CompletableFuture<Integer> exit;
    private final Socket server;

    Conversation(ToIntFunction<Wire> session) throws IOException {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            client = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
            server = ss.accept();
        }
        client.setSoTimeout(60_000);
        in = client.getInputStream();
        out = client.getOutputStream();
        SocketWire wire = new SocketWire(server, 60);
        exit = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                exit.complete(session.applyAsInt(wire));
            } catch (Throwable t) {
                exit.completeExceptionally(t);
            } finally {
                wire.close();
            }
        });
    }

    Conversation send(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** Sends {@code s} one byte per write: the session must not care how input is cut. */
    Conversation trickle(String s) throws IOException {
        for (byte b : s.getBytes(StandardCharsets.ISO_8859_1)) {
            out.write(b);
            out.flush();
        }
        return this;
    }

    /** Reads until the input ends with {@code end} (or the connection closes). */
    String until(String end) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] e = end.getBytes(StandardCharsets.ISO_8859_1);
        while (!endsWith(b, e)) {
            int c = in.read();
            if (c < 0) break;
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** One reply line, CRLF included. */
    String line() throws IOException {
        return until("\r\n");
    }

    /** Everything up to the end of the connection. */
    String rest() throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    int exitCode() throws Exception {
        return exit.get(60, TimeUnit.SECONDS);
    }

    private static boolean endsWith(ByteArrayOutputStream b, byte[] e) {
        if (b.size() < e.length) return false;
        byte[] a = b.toByteArray();
        for (int i = 0; i < e.length; i++) if (a[a.length - e.length + i] != e[i]) return false;
        return true;
    }

    @Override
    public void close() throws Exception {
        client.close();
        exit.handle((v, t) -> null).get(60, TimeUnit.SECONDS);
    }
}
