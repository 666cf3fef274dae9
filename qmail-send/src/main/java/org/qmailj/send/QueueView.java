package org.qmailj.send;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.RecipientFile;
import org.qmailj.common.queue.Text0;

/**
 * qmail-qctl's read-only view of the queue, read straight from the files (qmail-send may be
 * running or not): nothing here writes. A message that finishes while it is being read is
 * skipped. The next try of a channel is its local/N or remote/N mtime, as qmail-send keeps it.
 */
final class QueueView {
    enum State { TODO, LOCAL, REMOTE, BOUNCE, HELD;
        String word() { return name().toLowerCase(Locale.ROOT); }
    }

    record Recipient(String channel, String address, boolean done, long nextTry) {
        String domain() {
            int at = address.lastIndexOf('@');
            return at < 0 ? "" : address.substring(at + 1);
        }
    }

    record Message(long id, long birth, long size, String sender, List<Recipient> recipients, Set<State> states) {}

    private final QueueLayout queue;

    QueueView(QueueLayout queue) {
        this.queue = queue;
    }

    /** The numbers of every message in todo/ or info/, in order. */
    List<Long> ids() throws IOException {
        TreeSet<Long> ids = new TreeSet<>();
        addIds(queue.dir("todo"), ids);
        for (int i = 0; i < QueueLayout.SPLIT; i++) addIds(queue.dir("info").resolve(Integer.toString(i)), ids);
        return new ArrayList<>(ids);
    }

    private static void addIds(Path dir, Set<Long> ids) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) ControlRequest.number(p.getFileName().toString()).ifPresent(ids::add);
        } catch (NoSuchFileException e) {
            // an empty split directory may be missing in a hand-made queue
        }
    }

    /** Message {@code id} as it is now, or empty if it is not (or no longer) queued. */
    Optional<Message> read(long id) throws IOException {
        try {
            long size = Files.size(queue.mess(id));
            EnumSet<State> states = EnumSet.noneOf(State.class);
            List<Recipient> recipients = new ArrayList<>();
            String sender;
            long birth;
            byte[] info;
            try {
                info = Files.readAllBytes(queue.info(id));
            } catch (NoSuchFileException e) {
                info = null;
            }
            // info/N whole (F, the sender, NUL): preprocessed, shown from info/, local/, remote/
            // as qmail-qread does, also while todo/N is kept for the message's first attempt
            // (qmail-send's Todo). With todo/N there and info/N missing or still being written:
            // not yet preprocessed.
            boolean whole = info != null && info.length >= 2 && info[0] == 'F' && info[info.length - 1] == 0;
            if (!whole && Files.exists(queue.todo(id))) {
                // Not yet preprocessed: the envelope is todo/N (u, p, F, T records).
                states.add(State.TODO);
                byte[] todo = Files.readAllBytes(queue.todo(id));
                birth = Files.getLastModifiedTime(queue.todo(id)).toMillis() / 1000;
                sender = "";
                for (Text0 r : Text0.split(todo, "todo")) {
                    if (r.tag() == 'F') sender = r.value();
                    if (r.tag() == 'T') recipients.add(new Recipient("todo", r.value(), false, 0));
                }
            } else {
                if (info == null) return Optional.empty(); // finished meanwhile
                if (info.length < 1 || info[0] != 'F') throw new IOException("bad info/" + id);
                int end = info[info.length - 1] == 0 ? info.length - 1 : info.length;
                sender = new String(info, 1, end - 1, StandardCharsets.ISO_8859_1);
                birth = Files.getLastModifiedTime(queue.info(id)).toMillis() / 1000;
                for (Channel c : Channel.values()) {
                    Path f = c == Channel.LOCAL ? queue.local(id) : queue.remote(id);
                    List<RecipientFile.Entry> entries;
                    long mtime;
                    try {
                        mtime = Files.getLastModifiedTime(f).toMillis() / 1000;
                        entries = RecipientFile.decode(Files.readAllBytes(f));
                    } catch (NoSuchFileException e) {
                        continue;
                    }
                    for (RecipientFile.Entry e : entries) {
                        recipients.add(new Recipient(c.word, e.address(), e.done(), mtime));
                        if (!e.done()) states.add(c == Channel.LOCAL ? State.LOCAL : State.REMOTE);
                    }
                }
                if (Files.exists(queue.bounce(id))) states.add(State.BOUNCE);
                if (Files.exists(QueueActions.heldDir(queue).resolve(Long.toString(id)))) states.add(State.HELD);
            }
            return Optional.of(new Message(id, birth, size, sender, recipients, states));
        } catch (NoSuchFileException e) {
            return Optional.empty(); // finished meanwhile
        }
    }

    /** The header of mess/N (up to the empty line), or all of it with {@code body}; at most {@code max} bytes. */
    byte[] content(long id, boolean body, int max) throws IOException {
        try (InputStream in = Files.newInputStream(queue.mess(id))) {
            byte[] all = in.readNBytes(max);
            if (body) return all;
            for (int i = 0; i + 1 < all.length; i++) {
                if (all[i] == '\n' && all[i + 1] == '\n') return java.util.Arrays.copyOf(all, i + 1);
            }
            return all;
        }
    }

    /** Which messages a list (or an action by filter) selects. Null fields do not filter. */
    record Filter(String sender, String recipient, String domain, Long olderThan, Long newerThan, Long largerThan,
            Long smallerThan, Set<State> states) {
        static final Filter ALL = new Filter(null, null, null, null, null, null, null, Set.of());

        boolean any() { return !equals(ALL); }

        boolean matches(Message m, long now) {
            if (sender != null && !m.sender().toLowerCase(Locale.ROOT).contains(sender.toLowerCase(Locale.ROOT))) return false;
            if (recipient != null && m.recipients().stream().noneMatch(r -> r.address().toLowerCase(Locale.ROOT).contains(recipient.toLowerCase(Locale.ROOT)))) {
                return false;
            }
            if (domain != null && m.recipients().stream().noneMatch(r -> !r.done() && r.domain().equalsIgnoreCase(domain))) return false;
            long age = now - m.birth();
            if (olderThan != null && age < olderThan) return false;
            if (newerThan != null && age >= newerThan) return false;
            if (largerThan != null && m.size() <= largerThan) return false;
            if (smallerThan != null && m.size() >= smallerThan) return false;
            if (!states.isEmpty() && states.stream().noneMatch(m.states()::contains)) return false;
            return true;
        }
    }
}
