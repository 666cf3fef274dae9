package org.qmailj.queue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueClients;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.SocketWarmup;
import org.qmailj.common.queue.WriterProtocol;

/**
 * The AOT training run of the injection tools, qmail-inject, sendmail and qmail-queue
 * ({@code lib/aot-train-inject HOME}, which qmail-install runs to make lib/inject.aot): what
 * scripts call in loops, so their launchers have a cache of their own on a class path of two
 * jars (a JVM looks for a SelectorProvider service in every jar of its class path when it
 * opens its first socket). Runs each tool's whole path: header rewriting, date and Message-ID
 * into a queue that keeps nothing; then sendmail and qmail-queue through the writer's socket
 * client, chosen as at run time, against {@link TrainingWriter} in a temporary QMAIL_HOME; and
 * the client against a socket nobody listens on. Writes nothing outside memory and that
 * temporary directory, which it removes.
 */
public final class InjectTraining {
    private InjectTraining() {}

    public static void main(String[] args) throws Exception {
        QmailHome home = new QmailHome(Path.of(args.length > 0 ? args[0] : System.getProperty(QmailHome.PROPERTY, ".")));
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), false, StandardCharsets.ISO_8859_1);
        train(home, out);
        out.flush();
    }

    public static void train(QmailHome home, PrintStream out) throws IOException, InterruptedException {
        train(home, out, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** As {@link #train(QmailHome, PrintStream)}, with the temporary QMAIL_HOME made in {@code tmpdir}. */
    public static void train(QmailHome home, PrintStream out, Path tmpdir) throws IOException, InterruptedException {
        QueueClient memory = () -> new QueueClient.Session() {
            private final ByteArrayOutputStream message = new ByteArrayOutputStream();

            @Override public OutputStream message() { return message; }

            @Override public QueueResult commit(Envelope envelope) {
                envelope.encode();
                return QueueResult.ofExit(0);
            }

            @Override public void close() {}
        };
        byte[] msg = ("From: Someone <someone@b.example>\nTo: c@d.example, \"E F\" <e@f>\nCc: g\n"
                + "Subject: training\n\nbody\n").getBytes(StandardCharsets.ISO_8859_1);
        PrintStream err = new PrintStream(OutputStream.nullOutputStream());
        Map<String, String> env = new HashMap<>(System.getenv()); // as sendmail copies it
        for (String k : List.copyOf(env.keySet())) if (k.startsWith("QMAIL")) env.remove(k);
        env.put("USER", "training");
        env.put("QMAILHOST", "b.example");
        for (String[] args : List.<String[]>of(new String[] {}, new String[] {"-n"},
                new String[] {"-fsender@b.example", "x@y.example"})) {
            QmailInject.run(args, home, env, new ByteArrayInputStream(msg), out, err, memory, Clock.systemUTC());
        }

        Path tmp = Files.createTempDirectory(tmpdir, "qmail-aot-training");
        try {
            QmailHome t = new QmailHome(tmp);
            Path socket = WriterProtocol.socket(new QueueLayout(t.queue()));
            Files.createDirectories(socket.getParent());
            // As sendmail's and qmail-inject's main start it, so its class is in the cache too.
            SocketWarmup.start(socket).join();
            try (TrainingWriter writer = TrainingWriter.start(socket, 3)) {
                QueueClient client = QueueClients.standard(t, env);
                for (String[] args : List.<String[]>of(new String[] {"-t"}, new String[] {"-fsender@b.example", "x@y.example"})) {
                    int exit = Sendmail.run(args, t, env, new ByteArrayInputStream(msg), out, err, client, Clock.systemUTC());
                    if (exit != 0) throw new IOException("training: sendmail through the socket exited " + exit);
                }
                int exit = QmailQueue.run(t, new ByteArrayInputStream(msg),
                        new ByteArrayInputStream(new Envelope("a@b.example", List.of("c@d.example")).encode()), err);
                if (exit != 0) throw new IOException("training: qmail-queue through the socket exited " + exit);
                writer.await();
            }
            // sendmail -bp (qmail-qread) on the temporary queue, empty.
            QueueLayout q = new QueueLayout(t.queue());
            for (int i = 0; i < QueueLayout.SPLIT; i++) Files.createDirectories(q.dir("info").resolve(Integer.toString(i)));
            Sendmail.run(new String[] {"-bp"}, t, env, new ByteArrayInputStream(new byte[0]), out, err, memory, Clock.systemUTC());
            SocketQueueClient absent = new SocketQueueClient(tmp.resolve("absent.sock"));
            absent.answers();
            try (QueueClient.Session s = absent.open()) {
                s.message().write(msg);
            } catch (IOException | RuntimeException e) {
                // expected: nothing listens there
            }
        } finally {
            remove(tmp.toFile());
        }
        // Loaded, not run: it halts the JVM.
        out.print(Exit.class.getName());
    }

    /** Without streams, so that training code does not add their classes to the cache. */
    private static void remove(java.io.File f) throws IOException {
        java.io.File[] children = f.listFiles();
        if (children != null) for (java.io.File c : children) remove(c);
        Files.deleteIfExists(f.toPath());
    }
}
