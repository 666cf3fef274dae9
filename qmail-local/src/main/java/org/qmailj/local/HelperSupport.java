package org.qmailj.local;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueClients;
import org.qmailj.common.queue.QueueResult;

/**
 * What the .qmail helper programs (forward, preline, condredirect, bouncesaying, except)
 * share: running a program with the message on its stdin and its stdout/stderr inherited,
 * forwarding through the queue, and dying with a qmail exit code.
 */
final class HelperSupport {
    /** A program's end: its exit code, or -1 if killed by a signal. */
    record Ended(int exit, boolean crashed) {
    }

    private HelperSupport() {
    }

    static void die(int code, String text) {
        System.err.println(text);
        Exit.now(code);
    }

    static String env(String prog, String name) {
        String v = System.getenv(name);
        if (v == null) die(111, prog + ": fatal: " + name + " not set");
        return v;
    }

    /**
     * Runs argv with {@code stdin} (null: inherit fd 0); stdout and stderr inherited. A
     * program that cannot start: exit 100 when it does not exist or may not run, else 111.
     */
    static Ended run(String prog, List<String> argv, byte[] stdin, byte[] prefix) {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        if (stdin == null && prefix == null) pb.redirectInput(ProcessBuilder.Redirect.INHERIT);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            boolean hard = m.contains("No such file") || m.contains("Permission denied") || m.contains("Not a directory");
            die(hard ? 100 : 111, prog + ": fatal: unable to run " + argv.getFirst() + ": " + m);
            return null;
        }
        if (stdin != null || prefix != null) {
            Thread feeder = Thread.ofPlatform().daemon().start(() -> {
                try (OutputStream o = p.getOutputStream()) {
                    if (prefix != null) o.write(prefix);
                    if (stdin != null) o.write(stdin);
                    else System.in.transferTo(o);
                } catch (IOException e) {
                    // the program stopped reading
                }
            });
            feeder.setName("feed");
        }
        try {
            int code = p.waitFor();
            // Java reports a signal death as 128+signal; the shell would too. A crash is a
            // signal: ProcessHandle cannot tell, so take codes above 128 from a signal.
            return new Ended(code, code > 128 && code < 160);
        } catch (InterruptedException e) {
            die(111, prog + ": fatal: interrupted");
            return null;
        }
    }

    /** Forwards dtline + msg from NEWSENDER to recipients; dies with the queue's answer. */
    static void forward(String prog, String sender, String dtline, List<String> recipients, InputStream msg) {
        QueueClient client = QueueClients.standard(QmailHome.current(), Map.copyOf(System.getenv()));
        QueueResult r;
        try (QueueClient.Session s = client.open()) {
            s.message().write(dtline.getBytes(StandardCharsets.ISO_8859_1));
            msg.transferTo(s.message());
            r = s.commit(new Envelope(sender, recipients));
        } catch (IOException | IllegalArgumentException e) {
            die(111, prog + ": fatal: unable to fork: " + e.getMessage());
            return;
        }
        if (!r.ok()) die(r.permanent() ? 100 : 111, prog + ": fatal: " + r.text());
    }

    /**
     * Standard input as a file that can be read again: qmail-local gives programs the message
     * file itself, so a helper streams it (a message may be gigabytes) and rewinds. Empty when
     * stdin is a pipe, as when a user runs the helper by hand.
     */
    static java.util.Optional<FileChannel> seekableStdin() {
        FileChannel ch = new FileInputStream(FileDescriptor.in).getChannel();
        try {
            ch.position(ch.position());
            return java.util.Optional.of(ch);
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    static byte[] readStdin(String prog) {
        try {
            return System.in.readAllBytes();
        } catch (IOException e) {
            die(111, prog + ": fatal: unable to read input: " + e.getMessage());
            return null;
        }
    }
}
