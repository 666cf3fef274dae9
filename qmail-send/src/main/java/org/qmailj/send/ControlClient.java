package org.qmailj.send;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** qmail-qctl's side of the control channel: one request per connection, the answer's lines without the final ".". */
final class ControlClient {
    static final int MAX_ANSWER = 1 << 20;
    private final Path socket;

    ControlClient(Path socket) {
        this.socket = socket;
    }

    /** Sends {@code request}, returns the answer's lines; IOException if qmail-send is not there or the answer is cut short. */
    List<String> ask(ControlRequest request) throws IOException {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "qmail-qctl timeout");
            t.setDaemon(true);
            return t;
        });
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            timer.schedule(() -> {
                try {
                    ch.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }, ControlServer.ANSWER_MS + 2 * ControlServer.TIMEOUT_MS, TimeUnit.MILLISECONDS);
            ByteBuffer out = ByteBuffer.wrap(request.line().getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) ch.write(out);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (ch.read(in) >= 0) {
                answer.write(in.array(), 0, in.position());
                in.clear();
                if (answer.size() > MAX_ANSWER) throw new IOException("answer too long");
            }
            String text = answer.toString(StandardCharsets.US_ASCII);
            if (!text.endsWith(".\n")) throw new IOException("answer cut short");
            List<String> lines = List.of(text.split("\n"));
            return lines.subList(0, lines.size() - 1);
        } finally {
            timer.shutdownNow();
        }
    }
}
