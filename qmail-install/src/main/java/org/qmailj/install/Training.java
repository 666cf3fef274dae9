package org.qmailj.install;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.qmailj.common.QmailHome;
import org.qmailj.common.address.ConstMap;
import org.qmailj.common.address.RecipientRewriter;
import org.qmailj.common.log.QmailLog;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.TodoRecord;

/**
 * The AOT training run (lib/aot-train HOME): exercises the start-up paths of the suite's
 * programs so the cache holds the classes they load. Writes nothing outside memory (and a
 * temporary directory of the injection training, removed again).
 * Modules add their own start-up path here as they arrive.
 */
public final class Training {
    private Training() {}

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
        // The injection tools have a cache of their own (lib/inject.aot); the daemons inject
        // in-process (qmail-smtpd, qmail-local's forwards), so their path is here too.
        try {
            org.qmailj.queue.InjectTraining.train(home, out);
        } catch (java.io.IOException failed) {
            // Not worth losing the whole cache over: said in lib/aot-train.log only.
            System.err.println("aot-train: injection paths not trained: " + failed);
        }

        out.flush();
        // Not trained on purpose: logback and picocli. The JDK 25 cache loads and links every
        // class it holds at each start, so classes only qmail-install needs would slow every tool.
    }
}
