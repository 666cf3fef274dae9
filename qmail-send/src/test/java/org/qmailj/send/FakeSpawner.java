package org.qmailj.send;

import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.qmailj.common.spawn.SpawnProtocol;

/**
 * A stand-in for qmail-lspawn / qmail-rspawn speaking the spawn protocol. Recipients whose
 * local part starts with {@code fail} fail permanently, {@code defer} temporarily, {@code slow} succeed after 1.5 s; any other
 * delivery appends {@code recipient message-id sender} to the deliveries file, as a
 * Maildir delivery would leave a file, and reports success. With {@code hold > 0} it keeps
 * its reports until that many deliveries are outstanding (to prove concurrency).
 * Runs as a thread in tests, or as a process ({@link #main}: queue-dir deliveries-file max
 * wide(0/1) hold).
 */
final class FakeSpawner {
    final Path queue;
    final Path deliveries;
    final SpawnProtocol protocol;
    final int hold;
    final List<SpawnProtocol.Command> commands = new ArrayList<>();
    /** Recipients (whole addresses) that defer while listed here; tests add and remove them. */
    static final java.util.Set<String> DEFERRING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    FakeSpawner(Path queue, Path deliveries, SpawnProtocol protocol, int hold) {
        this.queue = queue;
        this.deliveries = deliveries;
        this.protocol = protocol;
        this.hold = hold;
    }

    public static void main(String[] args) throws IOException {
        // As the real spawners: qmail-lspawn stays root, qmail-rspawn becomes qmailr.
        org.qmailj.common.FailFast.install("fake-spawner");
        if (args.length > 5) org.qmailj.common.Privileges.become("fake-spawner", org.qmailj.common.Privileges.Role.valueOf(args[5]));
        SpawnProtocol p = args[3].equals("1") ? SpawnProtocol.wide(Integer.parseInt(args[2])) : SpawnProtocol.classic(Integer.parseInt(args[2]));
        new FakeSpawner(Path.of(args[0]), Path.of(args[1]), p, Integer.parseInt(args[4]))
                .serve(new BufferedInputStream(System.in), new FileOutputStream(FileDescriptor.out));
        Runtime.getRuntime().halt(0);
    }

    void serve(InputStream in, OutputStream out) throws IOException {
        out.write(protocol.helloBytes());
        out.flush();
        List<SpawnProtocol.Command> held = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        SpawnProtocol.Command c;
        while ((c = protocol.readCommand(in)) != null) {
            synchronized (commands) {
                commands.add(c);
            }
            if (hold > 0) {
                held.add(c);
                if (held.size() < hold) continue;
                for (SpawnProtocol.Command h : held) answer(h, out);
                held.clear();
                continue;
            }
            SpawnProtocol.Command cc = c;
            pool.submit(() -> {
                answer(cc, out);
                return null;
            });
        }
        pool.shutdown();
    }

    private void answer(SpawnProtocol.Command c, OutputStream out) throws IOException {
        String r = report(c);
        synchronized (out) {
            if (c.recipient().startsWith("ghost")) out.write(protocol.report(c.delnum() + 100, "Kboo\n"));
            out.write(protocol.report(c.delnum(), r));
            out.flush();
        }
    }

    private String report(SpawnProtocol.Command c) throws IOException {
        String local = c.recipient();
        int at = local.lastIndexOf('@');
        if (at >= 0) local = local.substring(0, at);
        int dash = local.lastIndexOf('-');
        String box = dash >= 0 ? local.substring(dash + 1) : local;
        if (DEFERRING.contains(c.recipient())) return "ZSorry, I couldn't find a mailbox. (#4.2.1)\n";
        if (box.startsWith("fail")) return "DSorry, no mailbox here by that name. (#5.1.1)\n";
        if (box.startsWith("defer")) return "ZSorry, I couldn't find a mailbox. (#4.2.1)\n";
        if (box.startsWith("mangle")) return "Xwhat?";
        if (box.startsWith("slow")) {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] mess = Files.readAllBytes(queue.resolve("mess").resolve(c.path()));
        String text = new String(mess, StandardCharsets.ISO_8859_1);
        String id = "none";
        for (String line : text.split("\n")) {
            if (line.isEmpty()) break;
            if (line.regionMatches(true, 0, "Message-ID: ", 0, 12)) {
                id = line.substring(12).trim();
                break;
            }
        }
        String rec = c.recipient() + " " + id + " " + c.sender() + "\n";
        synchronized (FakeSpawner.class) {
            // Survives kill -9 without fsync (the page cache does not die with the process).
            Files.writeString(deliveries, rec, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        return "Kdid 1+0+0\n";
    }
}
