package org.qmailj.send;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.BlockingQueue;
import org.qmailj.common.spawn.SpawnProtocol;

/**
 * The pipes to one spawner: commands out, reports in (see {@link SpawnProtocol}). A platform
 * reader thread turns each report into an {@link Event.Report} and the end of the pipe into
 * {@link Event.LostSpawn}, so the scheduler never blocks on a spawner and a spawner never
 * blocks on qmail-send (qmail-send(8): "responsible for avoiding deadlock"). Writes happen on
 * the scheduler thread.
 */
final class Comm {
    private final Channel channel;
    private final InputStream in;
    private final OutputStream out;
    private final SpawnProtocol protocol;
    private boolean dead;

    /** Reads the spawner's hello; throws if it never comes. */
    Comm(Channel channel, InputStream in, OutputStream out) throws IOException {
        this.channel = channel;
        this.in = in;
        this.out = out;
        this.protocol = SpawnProtocol.hello(in);
    }

    /** The most slots the spawner accepts, at most what its delnum can name. */
    int max() {
        return protocol.max();
    }

    void startReader(BlockingQueue<Event> events) {
        Thread.ofPlatform().daemon().name("comm-" + channel.word).start(() -> {
            try {
                SpawnProtocol.Report r;
                while ((r = protocol.readReport(in)) != null) {
                    events.add(new Event.Report(channel, r.delnum(), r.text()));
                }
            } catch (IOException e) {
                // a broken pipe is a lost spawner, as is end of file
            }
            events.add(new Event.LostSpawn(channel));
        });
    }

    /**
     * Queues one delivery command; {@link #flush} sends what is queued (the scheduler does
     * before it waits, so a round's commands go out in one write). False if the spawner is gone.
     */
    boolean write(int delnum, String path, String sender, String recipient) {
        if (dead) return false;
        byte[] c = protocol.command(delnum, path, SpawnProtocol.senderFor(sender, recipient), recipient);
        if (queued.size() + c.length > FLUSH_AT && !flush()) return false;
        queued.writeBytes(c);
        return true;
    }

    /** Commands queued beyond this many bytes are sent at once. */
    static final int FLUSH_AT = 8192;

    private final java.io.ByteArrayOutputStream queued = new java.io.ByteArrayOutputStream(FLUSH_AT);

    /** Sends the queued commands; false if the spawner is gone. */
    boolean flush() {
        if (dead) return false;
        if (queued.size() == 0) return true;
        try {
            queued.writeTo(out);
            out.flush();
            return true;
        } catch (IOException e) {
            dead = true;
            return false;
        } finally {
            queued.reset();
        }
    }

    void close() {
        flush();
        try {
            out.close();
        } catch (IOException e) {
            // gone already
        }
    }
}
