package org.qmailj.send;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.RecipientFile;

/**
 * The queue's state, counted by reading the queue directory as qmail-qstat and qmail-qread do:
 * messages not yet preprocessed (todo/), preprocessed and not finished (info/), waiting for a
 * bounce (bounce/), per channel the messages (local/, remote/) and their recipients NOT DONE
 * and DONE, and the oldest messages. Read-only, on the status thread: the scheduler is never
 * asked, so a census costs it nothing. A file that changes under the scan is skipped.
 */
record QueueCensus(long at, long todo, long queued, long bounces, long[] channelMessages, long[] pending, long[] done,
        long oldestBirth, List<Oldest> oldest) {

    static final int OLDEST = 10;
    static final int RECIPIENTS_SHOWN = 5;

    /** One of the oldest messages: id, info/ mtime, sender and the recipients still to do. */
    record Oldest(long id, long birth, String sender, List<String> pending, int morePending) {}

    private record Birth(long id, long birth) {}

    static QueueCensus scan(QueueLayout q) {
        long now = System.currentTimeMillis() / 1000;
        long[] inTodo = numbers(q.dir("todo"));
        long todo = inTodo.length;
        long bounces = count(q.dir("bounce"));
        PriorityQueue<Birth> heap = new PriorityQueue<>(Comparator.comparingLong(Birth::birth).reversed());
        long[] births = {0, 0}; // messages, oldest birth
        forEachQueued(q, inTodo, (id, info) -> {
            long birth;
            try {
                birth = Files.getLastModifiedTime(info).toMillis() / 1000;
            } catch (IOException e) {
                return; // finished meanwhile
            }
            births[0]++;
            if (births[1] == 0 || birth < births[1]) births[1] = birth;
            heap.add(new Birth(id, birth));
            if (heap.size() > OLDEST) heap.poll();
        });
        int ch = Channel.values().length;
        long[] messages = new long[ch], pending = new long[ch], done = new long[ch];
        for (Channel c : Channel.values()) {
            q.forEachMessage(c.word, (id, p) -> {
                List<RecipientFile.Entry> es = entries(p);
                if (es == null) return;
                messages[c.ordinal()]++;
                for (RecipientFile.Entry e : es) {
                    if (e.done()) done[c.ordinal()]++;
                    else pending[c.ordinal()]++;
                }
            }, i -> {}); // a missing split directory counts as empty
        }
        List<Birth> olds = new ArrayList<>(heap);
        olds.sort(Comparator.comparingLong(Birth::birth).thenComparingLong(Birth::id));
        List<Oldest> details = new ArrayList<>();
        for (Birth b : olds) details.add(details(q, b));
        return new QueueCensus(now, todo, births[0], bounces, messages, pending, done, births[1], details);
    }

    /**
     * Messages in the queue ({@link #messages()} of a scan) from the directories' names alone,
     * no file opened or stat'ed: what the chart samples every 15 s. A scan reads every local/
     * and remote/ file, 2.7 CPU-seconds with 100,000 messages queued, which the sampler then
     * spent every 15 s while the backlog drained.
     */
    static long queueSize(QueueLayout q) {
        long[] inTodo = numbers(q.dir("todo"));
        long[] queued = {0};
        forEachQueued(q, inTodo, (id, info) -> queued[0]++);
        return inTodo.length + queued[0];
    }

    /** Each message in info/ not also in todo/ (counted once, as todo): its number and info file. */
    private static void forEachQueued(QueueLayout q, long[] inTodo, QueueLayout.MessageFile f) {
        q.forEachMessage("info", (id, p) -> {
            if (java.util.Arrays.binarySearch(inTodo, id) < 0) f.found(id, p);
        }, i -> {}); // a missing split directory counts as empty
    }

    private static Oldest details(QueueLayout q, Birth b) {
        String sender = "?";
        try {
            byte[] info = Files.readAllBytes(q.info(b.id()));
            if (info.length >= 1 && info[0] == 'F') {
                int end = info.length > 1 && info[info.length - 1] == 0 ? info.length - 1 : info.length;
                sender = new String(info, 1, Math.max(0, end - 1), StandardCharsets.ISO_8859_1);
            }
        } catch (IOException e) {
            // finished meanwhile
        }
        List<String> shown = new ArrayList<>();
        int more = 0;
        for (Path f : List.of(q.local(b.id()), q.remote(b.id()))) {
            List<RecipientFile.Entry> es = entries(f);
            if (es == null) continue;
            for (RecipientFile.Entry e : es) {
                if (e.done()) continue;
                if (shown.size() < RECIPIENTS_SHOWN) shown.add(e.address());
                else more++;
            }
        }
        return new Oldest(b.id(), b.birth(), sender, shown, more);
    }

    private static List<RecipientFile.Entry> entries(Path p) {
        try {
            return RecipientFile.decode(Files.readAllBytes(p));
        } catch (IOException | RuntimeException e) {
            return null; // gone, or being written
        }
    }

    /**
     * The message numbers in {@code dir}, sorted: eight bytes each (a set of names took about a
     * hundred, which a backlog of 100,000 in todo/ made a tenth of qmail-send's heap).
     */
    private static long[] numbers(Path dir) {
        java.util.stream.LongStream.Builder ids = java.util.stream.LongStream.builder();
        try {
            QueueLayout.forEachMessageIn(dir, (id, p) -> ids.add(id));
        } catch (IOException e) {
            // empty
        }
        return ids.build().sorted().toArray();
    }

    private static long count(Path dir) {
        long n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) n++;
        } catch (IOException e) {
            // empty
        }
        return n;
    }

    /** Messages in the queue: not yet preprocessed, plus preprocessed and not finished. */
    long messages() { return todo + queued; }

    long oldestAge() { return oldestBirth == 0 ? 0 : Math.max(0, at - oldestBirth); }
}
