package org.qmailj.send;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.qmailj.common.address.RecipientRewriter;
import org.qmailj.common.control.ControlDir;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Fifo;

/**
 * A QMAIL_HOME for tests, with a queue written byte by byte in C qmail's on-disk format
 * (FORMATS.md), not through this suite's queue code: pid/ file, its inode N, hard link to
 * mess/(N mod 23)/N, intd/N with {@code u}/{@code p}/{@code F}/{@code T} records, link
 * todo/N, pull lock/trigger.
 */
final class TestQueue {
    final Path home;
    final QueueLayout q;
    private static final AtomicLong seq = new AtomicLong();

    TestQueue(Path home, String me) throws IOException {
        this.home = home;
        this.q = new QueueLayout(home.resolve("queue"));
        for (QueueLayout.Dir d : QueueLayout.DIRS) {
            Files.createDirectories(q.dir(d.name()));
            if (d.split()) for (int i = 0; i < QueueLayout.SPLIT; i++) Files.createDirectories(q.dir(d.name()).resolve("" + i));
        }
        Files.createDirectories(home.resolve("control"));
        control("me", me);
        try {
            Fifo.make(q.trigger(), 0622);
        } catch (org.qmailj.common.sys.SysException e) {
            throw new IOException(e);
        }
    }

    /** A todo thread's work on this queue, logging to {@code log}, handing messages to {@code events}. */
    Todo todo(OutputStream log, BlockingQueue<Event> events) {
        return new Todo(q, new SendLog(log),
                new CleanClient(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream()), () -> {
                    try {
                        return RecipientRewriter.load(new ControlDir(home.resolve("control")));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, events);
    }

    void control(String name, String... lines) throws IOException {
        Files.writeString(home.resolve("control").resolve(name), String.join("\n", lines) + "\n");
    }

    static byte[] b(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }

    /** Queues a message (state S4) and returns its number. */
    long inject(byte[] message, String sender, List<String> recipients, long uid, long pid) throws IOException {
        return inject(message, sender, recipients, uid, pid, n -> { });
    }

    /** Something done with the message's number after mess/N is written and before todo/N is linked. */
    interface BeforeTodo {
        void accept(long n) throws IOException;
    }

    /** As {@link #inject(byte[], String, List, long, long)}, with {@code beforeTodo} run before todo/N is linked. */
    long inject(byte[] message, String sender, List<String> recipients, long uid, long pid, BeforeTodo beforeTodo) throws IOException {
        Path tmp = q.pidDir().resolve(ProcessHandle.current().pid() + "." + System.nanoTime() + "." + seq.incrementAndGet());
        Files.write(tmp, new byte[0]);
        long n = (Long) Files.getAttribute(tmp, "unix:ino");
        Files.createLink(q.mess(n), tmp);
        Files.delete(tmp);
        String received = "Received: (qmail " + pid + " invoked by uid " + uid + "); 26 Sep 1995 04:46:54 -0000\n";
        byte[] r = b(received);
        byte[] all = new byte[r.length + message.length];
        System.arraycopy(r, 0, all, 0, r.length);
        System.arraycopy(message, 0, all, r.length, message.length);
        Files.write(q.mess(n), all);
        StringBuilder env = new StringBuilder();
        env.append('u').append(uid).append('\0').append('p').append(pid).append('\0').append('F').append(sender).append('\0');
        for (String t : recipients) env.append('T').append(t).append('\0');
        Files.write(q.intd(n), b(env.toString()));
        beforeTodo.accept(n);
        Files.createLink(q.todo(n), q.intd(n));
        try {
            Fifo.pull(q.trigger());
        } catch (org.qmailj.common.sys.SysException e) {
            throw new IOException(e);
        }
        return n;
    }

    long inject(String messageId, String sender, String... recipients) throws IOException {
        return inject(b("Message-ID: <" + messageId + ">\nSubject: test\n\nbody\n"), sender, List.of(recipients), 666, 20345);
    }

    long inject(String messageId, String sender, List<String> recipients, BeforeTodo beforeTodo) throws IOException {
        return inject(b("Message-ID: <" + messageId + ">\nSubject: test\n\nbody\n"), sender, recipients, 666, 20345, beforeTodo);
    }

    /** Every file left under the queue's message directories. */
    List<Path> leftovers() throws IOException {
        while (true) {
            try {
                return walk();
            } catch (java.io.UncheckedIOException e) {
                // a file went away during the walk (qmail-send is at work): look again
            }
        }
    }

    private List<Path> walk() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String d : new String[] {"mess", "info", "local", "remote", "todo", "intd", "bounce"}) {
            try (Stream<Path> s = Files.walk(q.dir(d))) {
                s.filter(Files::isRegularFile).forEach(out::add);
            }
        }
        return out;
    }
}
