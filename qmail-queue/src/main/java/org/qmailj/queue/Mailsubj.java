package org.qmailj.queue;

import java.io.ByteArrayInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueClients;

/**
 * mailsubj - send a mail message with a subject line (mailsubj(1)): {@code mailsubj subject
 * recip...}. qmail's is a shell script, {@code ( echo Subject: "$subject"; echo To: "$@";
 * echo ''; cat ) | qmail-inject}; here the same header goes in front of stdin and qmail-inject
 * runs in this JVM, so the exit code is qmail-inject's. Without any argument (where the
 * script's shift fails): a usage message and exit 100.
 */
public final class Mailsubj {
    private Mailsubj() {}

    public static void main(String[] args) {
        QmailHome home = QmailHome.current();
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.ISO_8859_1);
        int exit = run(args, home, System.getenv(), new FileInputStream(FileDescriptor.in), out, System.err,
                QueueClients.standard(home, System.getenv()), Clock.systemUTC());
        out.flush();
        Exit.now(exit);
    }

    public static int run(String[] args, QmailHome home, Map<String, String> env, InputStream stdin,
            OutputStream stdout, PrintStream err, QueueClient queue, Clock clock) {
        if (args.length == 0) {
            err.println("mailsubj: usage: mailsubj subject recip ...");
            return 100;
        }
        String recips = String.join(" ", Arrays.asList(args).subList(1, args.length));
        String header = "Subject: " + args[0] + "\nTo:" + (recips.isEmpty() ? "" : " " + recips) + "\n\n";
        InputStream message = new SequenceInputStream(
                new ByteArrayInputStream(header.getBytes(StandardCharsets.ISO_8859_1)), stdin);
        return QmailInject.run(new String[0], home, env, message, stdout, err, queue, clock);
    }
}
