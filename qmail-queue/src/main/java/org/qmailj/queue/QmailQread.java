package org.qmailj.queue;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.RecipientFile;

/**
 * qmail-qread - list outgoing messages and recipients.
 *
 * <p>For each preprocessed message (one with {@code info/S/N}), in split order then by
 * number, writes to stdout {@code DATE GMT  #N  SIZE  <sender> } (plus {@code  bouncing} when
 * bounce/N exists), DATE being the time info/N was written, then one line per recipient:
 * {@code \tlocal\taddr} or {@code \tremote\taddr}, prefixed by {@code   done} once delivered.
 * A message whose files cannot be read gives {@code warning: trouble with #N}. Reads a queue
 * written by C qmail as well. Exits 0, or 111 if queue/info cannot be read. Main thread only.
 */
public final class QmailQread {
    private QmailQread() {}

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.ISO_8859_1);
        int exit = run(QmailHome.current(), out, System.err);
        out.flush();
        Exit.now(exit);
    }

    public static int run(QmailHome home, OutputStream stdout, PrintStream err) {
        QueueLayout q = new QueueLayout(home.queue());
        StringBuilder out = new StringBuilder();
        try {
            for (int s = 0; s < QueueLayout.SPLIT; s++) {
                for (long id : numbers(q.dir("info").resolve(Integer.toString(s)))) {
                    message(q, id, out);
                }
            }
        } catch (IOException e) {
            err.println("qmail-qread: fatal: unable to read " + q.dir("info") + ": " + e.getMessage());
            return 111;
        }
        try {
            stdout.write(out.toString().getBytes(StandardCharsets.ISO_8859_1));
            stdout.flush();
        } catch (IOException e) {
            return 111;
        }
        return 0;
    }

    private static List<Long> numbers(Path dir) throws IOException {
        List<Long> ids = new ArrayList<>();
        QueueLayout.forEachMessageIn(dir, (id, p) -> ids.add(id));
        ids.sort(null);
        return ids;
    }

    private static void message(QueueLayout q, long id, StringBuilder out) {
        long size;
        String sender;
        long qtime;
        try {
            size = Files.size(q.mess(id));
            byte[] info = Files.readAllBytes(q.info(id));
            qtime = Files.readAttributes(q.info(id), BasicFileAttributes.class).lastModifiedTime().toMillis() / 1000;
            int end = 0;
            while (end < info.length && info[end] != 0) end++;
            sender = info.length > 0 ? new String(info, 1, Math.max(0, end - 1), StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            out.append("warning: trouble with #").append(id).append('\n');
            return;
        }
        out.append(QmailInject.date(java.time.Instant.ofEpochSecond(qtime))).append(" GMT  #").append(id)
                .append("  ").append(size).append("  <").append(sender).append("> ");
        if (Files.exists(q.bounce(id))) out.append(" bouncing");
        out.append('\n');
        for (int channel = 0; channel < 2; channel++) {
            Path f = channel == 0 ? q.local(id) : q.remote(id);
            List<RecipientFile.Entry> entries;
            try {
                entries = RecipientFile.decode(Files.readAllBytes(f));
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                out.append("warning: trouble with #").append(id).append('\n');
                continue;
            }
            for (RecipientFile.Entry r : entries) {
                if (r.done()) out.append("  done");
                out.append(channel == 0 ? "\tlocal\t" : "\tremote\t").append(r.address()).append('\n');
            }
        }
    }
}
