package org.qmailj.queue;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qmailj.common.queue.WriterProtocol;

/**
 * A hostile local user, run by FloodIsolationTest as an unprivileged uid: one injection
 * whose envelope names RCPTS recipients (streamed, so this side holds none of it), then
 * COUNT connections that each send a header and half a message chunk and stop. Prints
 * "holding N", waits for a line on stdin, then counts the connections the writer answered
 * 71 ("refused"), those it still holds open ("held") and the rest, and prints
 * "flood refused=R held=H other=O", then "big EXIT", and exits.
 *
 * <p>Usage: FloodClient SOCKET COUNT RCPTS
 */
public final class FloodClient {
    private FloodClient() {}

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        int rcpts = Integer.parseInt(args[2]);
        SocketChannel bigCh = connect(socket);
        int[] bigExit = {-1};
        Thread big = Thread.ofPlatform().start(() -> bigExit[0] = bigInjection(bigCh, rcpts));
        List<SocketChannel> open = new ArrayList<>();
        int connectFailed = 0;
        for (int i = 0; i < count; i++) {
            try {
                SocketChannel ch = connect(socket);
                open.add(ch);
                try {
                    OutputStream out = Channels.newOutputStream(ch);
                    WriterProtocol.writeHeader(out, i, null);
                    out.write(new byte[] {0, 0, 16, 0}); // a 4096-byte chunk ...
                    out.write(new byte[100]);            // ... of which 100 bytes come
                } catch (IOException e) {
                    // refused already: the answer waits in our receive buffer
                }
            } catch (IOException e) {
                connectFailed++;
            }
        }
        System.out.println("holding " + open.size() + " connectFailed " + connectFailed);
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
        // Connections still in the writer's backlog get their answer a moment later: count
        // until the numbers have not changed for a second (answers, once there, stay).
        int[] state = new int[open.size()]; // 0 no answer yet, 1 refused with 71, 2 anything else
        for (SocketChannel ch : open) ch.configureBlocking(false);
        int refused = 0;
        int held = 0;
        int other = 0;
        long stableSince = System.nanoTime();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            int r0 = refused;
            int o0 = other;
            for (int i = 0; i < state.length; i++) {
                if (state[i] != 0) continue;
                ByteBuffer b = ByteBuffer.allocate(2);
                int r;
                try {
                    r = open.get(i).read(b);
                    if (r > 0 && b.position() < 2) r = open.get(i).read(b);
                } catch (IOException e) {
                    r = -1;
                }
                if (r == 0) continue;
                state[i] = b.position() == 2 && b.get(0) == WriterProtocol.FINAL && b.get(1) == 71 ? 1 : 2;
                if (state[i] == 1) refused++; else other++;
            }
            held = state.length - refused - other;
            if (refused != r0 || other != o0) stableSince = System.nanoTime();
            if (System.nanoTime() - stableSince > 1_000_000_000L || System.nanoTime() > deadline) break;
            Thread.sleep(100);
        }
        System.out.println("flood refused=" + refused + " held=" + held + " other=" + other);
        big.join();
        System.out.println("big " + bigExit[0]);
        System.out.flush();
        for (SocketChannel ch : open) ch.close();
    }

    static SocketChannel connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    /** A message with an envelope of n recipients; returns the writer's exit code (or -2 if lost). */
    static int bigInjection(SocketChannel ch, int n) {
        try (ch) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            WriterProtocol.writeHeader(out, 1, null);
            WriterProtocol.ChunkOutputStream c = new WriterProtocol.ChunkOutputStream(out);
            c.write("Subject: to a million\n\nhi\n".getBytes(StandardCharsets.US_ASCII));
            c.close();
            out.write("Fflood@example.org\0".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < n; i++) out.write(("Trcpt" + i + "@example.org\0").getBytes(StandardCharsets.US_ASCII));
            out.write(0);
            out.flush();
            var in = Channels.newInputStream(ch);
            WriterProtocol.Answer a = WriterProtocol.readAnswer(in);
            if (a instanceof WriterProtocol.Prepared) {
                out.write(WriterProtocol.COMMIT);
                out.flush();
                a = WriterProtocol.readAnswer(in);
            }
            return ((WriterProtocol.Final) a).exit();
        } catch (IOException e) {
            System.err.println("big: " + e);
            return -2;
        }
    }
}
