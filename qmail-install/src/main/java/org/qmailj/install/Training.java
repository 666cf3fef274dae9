package org.qmailj.install;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.qmailj.common.QmailHome;
import org.qmailj.common.address.ConstMap;
import org.qmailj.common.address.RecipientRewriter;
import org.qmailj.common.log.QmailLog;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.queue.TodoRecord;

/**
 * The AOT training run (lib/aot-train HOME): exercises the start-up paths of the suite's
 * programs so the cache holds the classes they load. Writes nothing outside memory.
 * Modules add their own start-up path here as they arrive.
 */
public final class Training {
    private Training() {}

    /**
     * qmail-inject and sendmail are what scripts call in loops: their whole path, header
     * rewriting, date and Message-ID included, into a queue that keeps nothing; then sendmail
     * once more through the writer's socket client against {@link TrainingWriter}, a stand-in
     * that speaks the writer protocol and keeps nothing, so the client's connect, chunked
     * message, prepare/commit answers and close are in the cache as well; and the socket client
     * against a socket that is not there (the fallback to bin/qmail-queue).
     */
    private static void inject(QmailHome home, PrintStream out) throws IOException, InterruptedException {
        QueueClient memory = () -> new QueueClient.Session() {
            private final ByteArrayOutputStream message = new ByteArrayOutputStream();

            @Override public java.io.OutputStream message() { return message; }

            @Override public QueueResult commit(Envelope envelope) {
                envelope.encode();
                return QueueResult.ofExit(0);
            }

            @Override public void close() {}
        };
        byte[] msg = ("From: Someone <someone@b.example>\nTo: c@d.example, \"E F\" <e@f>\nCc: g\n"
                + "Subject: training\n\nbody\n").getBytes(StandardCharsets.ISO_8859_1);
        PrintStream err = new PrintStream(OutputStream.nullOutputStream());
        Map<String, String> env = Map.of("USER", "training", "QMAILHOST", "b.example");
        for (String[] args : List.<String[]>of(new String[] {}, new String[] {"-fsender@b.example", "x@y.example"})) {
            org.qmailj.queue.QmailInject.run(args, home, env, new ByteArrayInputStream(msg), out, err, memory, Clock.systemUTC());
        }
        org.qmailj.queue.QmailInject.run(new String[] {"-n"}, home, env, new ByteArrayInputStream(msg), out, err,
                memory, Clock.systemUTC());
        org.qmailj.common.queue.QueueClients.standard(home, System.getenv());
        new java.util.HashMap<>(System.getenv()); // sendmail copies the environment
        Path dir = Files.createTempDirectory("qmail-aot-training");
        try {
            try (TrainingWriter writer = TrainingWriter.start(dir.resolve("qmail-queue.sock"), 2)) {
                SocketQueueClient client = new SocketQueueClient(writer.socket(), null, 30_000);
                for (String[] args : List.<String[]>of(new String[] {"-t"}, new String[] {"-fsender@b.example", "x@y.example"})) {
                    int exit = org.qmailj.queue.Sendmail.run(args, home, env, new ByteArrayInputStream(msg), out, err,
                            client, Clock.systemUTC());
                    if (exit != 0) throw new IOException("training: sendmail through the socket exited " + exit);
                }
                writer.await();
            }
            SocketQueueClient absent = new SocketQueueClient(dir.resolve("absent.sock"));
            absent.answers();
            try (QueueClient.Session s = absent.open()) {
                s.message().write(msg);
            } catch (IOException | RuntimeException e) {
                // expected: nothing listens there
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        }
        // Loaded, not run: it halts the JVM.
        out.print(org.qmailj.common.Exit.class.getName());
    }

    public static void main(String[] args) throws Exception {
        QmailHome home = new QmailHome(Path.of(args.length > 0 ? args[0] : System.getProperty(QmailHome.PROPERTY, ".")));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(sink, false, StandardCharsets.ISO_8859_1);
        org.qmailj.showctl.QmailShowctl.train(home, out);

        Envelope e = new Envelope("a@b.example", List.of("c@d.example"));
        Envelope.read(new ByteArrayInputStream(e.encode()));
        TodoRecord.decode(new TodoRecord(1, 2, "a@b", List.of("c@d")).encode());
        new RecipientRewriter(ConstMap.ofKeys(List.of("b.example")), ConstMap.ofKeys(List.of()),
                ConstMap.ofColonLines(List.of()), "b.example").rewrite("x@y");
        out.print(QmailLog.delivery(1, QmailLog.Outcome.SUCCESS, "did 1+0+0\n"));
        inject(home, out);

        out.flush();
        // Not trained on purpose: logback and picocli. The JDK 25 cache loads and links every
        // class it holds at each start, so classes only qmail-install needs would slow every tool.
    }
}
