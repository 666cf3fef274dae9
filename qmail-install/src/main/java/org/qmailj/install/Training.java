package org.qmailj.install;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
     * rewriting, date and Message-ID included, into a queue that keeps nothing; then the
     * writer's socket client, against a socket that is not there.
     */
    private static void inject(QmailHome home, PrintStream out) {
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
        for (String[] args : List.<String[]>of(new String[] {}, new String[] {"-fsender@b.example", "x@y.example"})) {
            org.qmailj.queue.QmailInject.run(args, home, Map.of("USER", "training", "QMAILHOST", "b.example"),
                    new ByteArrayInputStream(msg), out, new PrintStream(OutputStream.nullOutputStream()),
                    memory, Clock.systemUTC());
        }
        org.qmailj.common.queue.QueueClients.standard(home, System.getenv());
        SocketQueueClient socket = new SocketQueueClient(
                Path.of(System.getProperty("java.io.tmpdir"), "qmail-aot-training-" + ProcessHandle.current().pid() + ".sock"));
        socket.answers();
        try (QueueClient.Session s = socket.open()) {
            s.message().write(msg);
        } catch (IOException | RuntimeException e) {
            // expected: nothing listens there
        }
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
