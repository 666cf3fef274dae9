package org.qmailj.rspawn;

import java.io.BufferedInputStream;
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
import org.qmailj.common.spawn.SpawnProtocol;

/**
 * The spawner side of qmail-send's delivery protocol (spawn.c), with deliveries on virtual
 * threads instead of child processes.
 *
 * <p>On start it writes the wide hello of {@link SpawnProtocol} ({@link #PROTOCOL}: two-byte
 * delivery numbers, at most {@link #ANNOUNCED_CONCURRENCY} deliveries at once). Then for each
 * command read on its input it checks the
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
    private final Path messDir;
    private final int uidq;
    private final Delivery delivery;
    private final boolean[] used = new boolean[65536];
    private final LinkedBlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
    private static final byte[] END = new byte[0];

    /**
     * @param uidq the owner every message file must have, or -1 not to check
     */
    Spawner(InputStream in, OutputStream out, Path messDir, int uidq, Delivery delivery) {
        this.in = in;
        this.out = out;
        this.messDir = messDir;
        this.uidq = uidq;
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
        synchronized (used) {
            if (used[cmd.delnum()]) {
                reply(cmd, "ZInternal error: delnum in use. (#4.3.5)\n");
                return;
            }
        }
        String problem = messidProblem(cmd.path());
        if (problem != null) {
            reply(cmd, problem);
            return;
        }
        if (cmd.recipient().lastIndexOf('@') < 0) {
            reply(cmd, "DSorry, address must include host name. (#5.1.3)\n");
            return;
        }
        Path path = messDir.resolve(cmd.path());
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

    private void reply(SpawnProtocol.Command cmd, String report) {
        replies.add(PROTOCOL.report(cmd.delnum(), report));
    }

    /** spawn.c's checks on the message id: digits and slashes (not first), 1 to 99 bytes. */
    static String messidProblem(String messid) {
        for (int i = 0; i < messid.length(); i++) {
            char c = messid.charAt(i);
            if ((i == 0 || c != '/') && (c < '0' || c > '9')) return "DInternal error: messid has nonnumerics. (#5.3.5)\n";
        }
        if (messid.length() + 1 > 100) return "DInternal error: messid too long. (#5.3.5)\n";
        if (messid.isEmpty()) return "DInternal error: messid too short. (#5.3.5)\n";
        return null;
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
