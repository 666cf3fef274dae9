package org.qmailj.queue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.QueueLayout;

/**
 * qmail-qstat - summarize status of mail queue.
 *
 * <p>Writes {@code messages in queue: N} (files under mess/) and
 * {@code messages in queue but not yet preprocessed: M} (files under todo/) to stdout, as
 * qmail's script does. Exits 0, or 111 when the queue cannot be read. Main thread only.
 */
public final class QmailQstat {
    private QmailQstat() {}

    public static void main(String[] args) {
        Exit.now(run(QmailHome.current(), System.out, System.err));
    }

    public static int run(QmailHome home, PrintStream out, PrintStream err) {
        QueueLayout q = new QueueLayout(home.queue());
        long mess;
        long todo;
        try {
            mess = count(q.dir("mess"));
            todo = count(q.dir("todo"));
        } catch (IOException e) {
            err.println("qmail-qstat: fatal: unable to read " + q.root() + ": " + e.getMessage());
            return 111;
        }
        out.print("messages in queue: " + mess + "\nmessages in queue but not yet preprocessed: " + todo + "\n");
        out.flush();
        return 0;
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !Files.isDirectory(p)).count();
        }
    }
}
