package org.qmailj.install;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.qmailj.common.QmailHome;
import org.qmailj.common.address.ConstMap;
import org.qmailj.common.cli.Args;
import org.qmailj.common.address.RecipientRewriter;
import org.qmailj.common.log.QmailLog;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.TodoRecord;

/**
 * The AOT training run (lib/aot-train HOME): exercises the start-up paths of the suite's
 * programs so the cache holds the classes they load. Writes nothing outside memory.
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

        // picocli's programmatic model and logback configured in code, as the programs use them.
        Args parsed = new Args("training").flag("-v").option("N", "-c").positionals("ARG", 0, -1);
        parsed.parse(new String[] {"-v", "-c", "40", "x"});
        try {
            new Args("training").flag("-v").parse(new String[] {"--bogus"});
        } catch (Args.UsageException expected) {
            org.slf4j.LoggerFactory.getLogger(Training.class).debug(expected.getMessage());
        }
        out.flush();
    }
}
