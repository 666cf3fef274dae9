package org.qmailj.rspawn;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The spawner side of qmail-send's delivery protocol (spawn.c), with deliveries on virtual
 * threads instead of child processes.
 *
 * <p>On start it writes one byte, the most deliveries it runs at once as far as a one-byte
 * protocol can say (255). Then for each {@link SpawnCommand} read on its input it checks the
 * command as spawn.c does (delivery number free, message id well-formed, recipient with a
 * host, message file openable, a regular file owned by qmailq), answering at once on
 * failure; otherwise it opens the message and starts a virtual thread for the delivery,
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
        String deliver(FileChannel message, Path path, SpawnCommand cmd) throws Exception;
    }

    static final int ANNOUNCED_CONCURRENCY = 255;

    private final InputStream in;
    private final OutputStream out;
    private final Path messDir;
    private final int uidq;
    private final Delivery delivery;
    private final SpawnCommand.Width width;
    private final boolean[] used = new boolean[65536];
    private final LinkedBlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
    private static final byte[] END = new byte[0];

    /**
     * @param uidq the owner every message file must have, or -1 not to check
     */
    Spawner(InputStream in, OutputStream out, Path messDir, int uidq, Delivery delivery, SpawnCommand.Width width) {
        this.in = in;
        this.out = out;
        this.messDir = messDir;
        this.uidq = uidq;
        this.delivery = delivery;
        this.width = width;
    }

    void run() throws InterruptedException {
        Thread writer = Thread.ofPlatform().name("qmail-rspawn-out").start(this::writeReplies);
        replies.add(new byte[] {(byte) ANNOUNCED_CONCURRENCY});
        try (ExecutorService deliveries = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("delivery-", 0).factory())) {
            SpawnCommand.Decoder decoder = new SpawnCommand.Decoder(width, cmd -> start(cmd, deliveries));
            byte[] buf = new byte[4096];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    break;
                }
                if (n < 0) break;
                decoder.feed(buf, 0, n);
            }
        } // waits for every delivery
        replies.add(END);
        writer.join();
    }

    /** spawn.c's docmd: checks, then the delivery on its own virtual thread. */
    private void start(SpawnCommand cmd, ExecutorService deliveries) {
        synchronized (used) {
            if (used[cmd.delnum()]) {
                reply(cmd, "ZInternal error: delnum in use. (#4.3.5)\n");
                return;
            }
        }
        String problem = cmd.messidProblem();
        if (problem != null) {
            reply(cmd, problem);
            return;
        }
        if (cmd.recipient().lastIndexOf('@') < 0) {
            reply(cmd, "DSorry, address must include host name. (#5.1.3)\n");
            return;
        }
        Path path = messDir.resolve(cmd.messid());
        FileChannel message;
        try {
            message = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            reply(cmd, "Zqmail-spawn unable to open message. (#4.3.0)\n");
            return;
        }
        String refused;
        try {
            Map<String, Object> st = Files.readAttributes(path, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) st.get("mode");
            if ((mode & 0170000) != 0100000) refused = "ZSorry, message has wrong type. (#4.3.5)\n";
            else if (uidq >= 0 && (Integer) st.get("uid") != uidq) refused = "ZSorry, message has wrong owner. (#4.3.5)\n";
            else refused = null;
        } catch (IOException e) {
            refused = "Zqmail-spawn unable to fstat message. (#4.3.0)\n";
        }
        if (refused != null) {
            closeQuietly(message);
            reply(cmd, refused);
            return;
        }
        synchronized (used) {
            used[cmd.delnum()] = true;
        }
        deliveries.execute(() -> {
            String report;
            try (message) {
                report = delivery.deliver(message, path, cmd);
            } catch (Exception | Error e) {
                // What a crashed C qmail-remote's exit status says; the cause goes to fd 2.
                report = "Zqmail-remote crashed.\n";
                System.err.println("qmail-rspawn: delivery " + cmd.delnum() + " to " + cmd.recipient() + " crashed: " + e);
                e.printStackTrace();
            }
            synchronized (used) {
                used[cmd.delnum()] = false;
            }
            reply(cmd, report);
        });
    }

    private void reply(SpawnCommand cmd, String report) {
        replies.add(cmd.reply(report));
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

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
