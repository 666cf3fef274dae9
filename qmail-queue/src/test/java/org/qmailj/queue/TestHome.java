package org.qmailj.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.Proc;

/** A QMAIL_HOME for tests: queue directories, lock/trigger, lib/ids, control/. */
final class TestHome {
    final QmailHome home;
    final QueueLayout queue;

    private TestHome(Path root) {
        home = new QmailHome(root);
        queue = new QueueLayout(root.resolve("queue"));
    }

    /** Every qmail user mapped to the running uid, as a sandbox install does. */
    static TestHome sandbox(Path root) throws IOException {
        int uid = Proc.getuid();
        return create(root, "alias:" + uid + ":0\nqmaild:" + uid + ":0\nqmaill:" + uid + ":0\nroot:0:0\n"
                + "qmailp:" + uid + ":0\nqmailq:" + uid + ":0\nqmailr:" + uid + ":0\nqmails:" + uid + ":0\n"
                + "nofiles:0\nqmail:0\n");
    }

    /** Distinct uids for the roles (a system install's shape; the users need not exist). */
    static TestHome system(Path root) throws IOException {
        return create(root, "alias:7790:0\nqmaild:7791:0\nqmaill:7792:0\nroot:0:0\nqmailp:7793:0\n"
                + "qmailq:7794:0\nqmailr:7795:0\nqmails:7796:0\nnofiles:0\nqmail:0\n");
    }

    static TestHome create(Path root, String ids) throws IOException {
        TestHome t = new TestHome(root);
        Files.createDirectories(root.resolve("lib"));
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("control"));
        Files.writeString(root.resolve("lib/ids"), ids);
        for (QueueLayout.Dir d : QueueLayout.DIRS) {
            Path p = t.queue.dir(d.name());
            Files.createDirectories(p);
            if (d.split()) for (int i = 0; i < QueueLayout.SPLIT; i++) Files.createDirectories(p.resolve(Integer.toString(i)));
        }
        Fifo.make(t.queue.trigger(), 0622);
        return t;
    }

    void control(String name, String value) throws IOException {
        Files.writeString(home.root().resolve("control").resolve(name), value);
    }

    /** Every regular file under the queue directories a writer touches. */
    List<Path> files(String... dirs) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String d : dirs) {
            try (Stream<Path> s = Files.walk(queue.dir(d))) {
                s.filter(Files::isRegularFile).forEach(out::add);
            }
        }
        return out;
    }

    List<Path> leftovers() throws IOException {
        return files("pid", "mess", "intd", "todo");
    }

    List<Long> todo() throws IOException {
        try (Stream<Path> s = Files.list(queue.dir("todo"))) {
            return s.map(p -> Long.parseLong(p.getFileName().toString())).sorted().toList();
        }
    }

    byte[] mess(long n) throws IOException {
        return Files.readAllBytes(queue.mess(n));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
