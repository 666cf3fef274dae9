package org.qmailj.rspawn;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import org.qmailj.common.spawn.DeliverySlots;
import org.qmailj.common.spawn.SpawnCheck;
import org.qmailj.common.spawn.SpawnProtocol;

/**
 * The spawner side of qmail-send's delivery protocol (spawn.c), with deliveries on virtual
 * threads instead of child processes.
 *
 * <p>On start it writes the wide hello of {@link SpawnProtocol} ({@link #PROTOCOL}: two-byte
 * delivery numbers, at most {@link #ANNOUNCED_CONCURRENCY} deliveries at once). Then for each
 * command read on its input it checks the
 * command as spawn.c does (delivery number free, then {@link SpawnCheck}: message id
 * well-formed, recipient with a host, message {@code S/N} in queue/mess openable without
 * following a link, a regular file owned by qmailq), answering at once on failure;
 * otherwise it starts a virtual thread for the delivery with the message the check opened,
 * whose report is written when it ends, so reports come in any order. At end of input it
 * waits for the running deliveries, writes their reports, and returns.
 *
 * <p>Threads: {@link #run} reads the input on the calling (platform) thread; one platform
 * thread writes the output, so reports never interleave; one virtual thread per delivery.
 * A slow or silent remote host costs a parked virtual thread.
 */
final class Spawner {
    /** One delivery: the open message and the command; returns the report (K/Z/D + text). */
    interface Delivery {
        String deliver(FileChannel message, Path path, SpawnProtocol.Command cmd) throws Exception;
    }

    /**
     * The most deliveries at once announced in the hello. The in-process deliveries have no
     * limit of their own; qmail-send's concurrencyremote (capped by this) is the limit.
     */
    static final int ANNOUNCED_CONCURRENCY = 65535;

    /** The protocol spoken on fds 0 and 1: the wide hello, two-byte delivery numbers. */
    static final SpawnProtocol PROTOCOL = SpawnProtocol.wide(ANNOUNCED_CONCURRENCY);

    private final InputStream in;
    private final OutputStream out;
    private final SpawnCheck check;
    private final Delivery delivery;
    private final DeliverySlots slots = new DeliverySlots();
    private final LinkedBlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
    private static final byte[] END = new byte[0];

    /** @param check spawn.c's checks and the message open ({@link SpawnCheck}, shared with qmail-lspawn) */
    Spawner(InputStream in, OutputStream out, SpawnCheck check, Delivery delivery) {
        this.in = in;
        this.out = out;
        this.check = check;
        this.delivery = delivery;
    }

    void run() throws InterruptedException {
        Thread writer = Thread.ofPlatform().name("qmail-rspawn-out").start(this::writeReplies);
        replies.add(PROTOCOL.helloBytes());
        BufferedInputStream commands = new BufferedInputStream(in, 4096);
        try (ExecutorService deliveries = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("delivery-", 0).factory())) {
            while (true) {
                SpawnProtocol.Command cmd;
                try {
                    cmd = PROTOCOL.readCommand(commands);
                } catch (IOException e) {
                    break; // a read error, or input ending inside a command
                }
                if (cmd == null) break;
                start(cmd, deliveries);
            }
        } // waits for every delivery
        replies.add(END);
        writer.join();
    }

    /** spawn.c's docmd: checks, then the delivery on its own virtual thread. */
    private void start(SpawnProtocol.Command cmd, ExecutorService deliveries) {
        if (slots.inUse(cmd.delnum())) {
            reply(cmd, SpawnCheck.DELNUM_IN_USE);
            return;
        }
        SpawnCheck.Message message;
        switch (check.check(cmd)) {
            case SpawnCheck.Refused r -> {
                reply(cmd, r.report());
                return;
            }
            case SpawnCheck.Message m -> message = m;
        }
        // The delivery reads the descriptor the check opened and fstat'ed (as qmail-remote's
        // fd 0): a channel on the same open file, by its /proc/self/fd name.
        Path path = Path.of("/proc/self/fd/" + message.fd());
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            message.close();
            reply(cmd, SpawnCheck.OPEN);
            return;
        }
        slots.take(cmd.delnum());
        deliveries.execute(() -> {
            String report;
            try (message; channel) {
                report = delivery.deliver(channel, path, cmd);
            } catch (Exception | Error e) {
                // What a crashed C qmail-remote's exit status says; the cause goes to fd 2.
                report = "Zqmail-remote crashed.\n";
                System.err.println("qmail-rspawn: delivery " + cmd.delnum() + " to " + cmd.recipient() + " crashed: " + e);
                e.printStackTrace();
            }
            slots.release(cmd.delnum());
            reply(cmd, report);
        });
    }

    private void reply(SpawnProtocol.Command cmd, String report) {
        replies.add(PROTOCOL.report(cmd.delnum(), report));
    }

    /** The one writer of fd 1. If qmail-send has gone, later reports are dropped (okwrite). */
    private void writeReplies() {
        boolean writing = true;
        while (true) {
            byte[] r;
            try {
                r = replies.take();
            } catch (InterruptedException e) {
                return;
            }
            if (r == END) return;
            if (!writing) continue;
            try {
                out.write(r);
                // Flush when nothing else is waiting (END included): batching, never holding.
                byte[] next = replies.peek();
                if (next == null || next == END) out.flush();
            } catch (IOException e) {
                writing = false;
            }
        }
    }
}
