package org.qmailj.pop3d;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.qmailj.smtpd.Wire;

/**
 * qmail-pop3d's conversation: the POP3 TRANSACTION state over one maildir, and UPDATE at QUIT.
 *
 * <p>At the start the maildir is scanned once ({@link MaildirScan}); messages are numbered from
 * 1 in that order and the numbering never changes during the session. Then {@code +OK }, and
 * commands (verbs case-insensitive, {@link Verb}):
 * <pre>
 * STAT        +OK COUNT SIZE      COUNT counts deleted messages too (qmail's), SIZE does not
 * LIST [n]    +OK n size | +OK, "n size" per message not deleted, "."
 * UIDL [n]    the same with the file name (no directory, no ":info") as unique id
 * RETR n      +OK, the message (Blast), "."; RETR n m is TOP n m, as qmail's
 * TOP n [m]   +OK, the header, the blank line and m body lines (without m: all), "."
 * DELE n      +OK: marks n deleted; LAST becomes at least n
 * LAST        +OK LAST (the highest message number deleted)
 * RSET        +OK: nothing deleted, LAST 0
 * NOOP        +OK
 * QUIT        deletes the marked messages, moves every other one in new/ to
 *             cur/NAME:2, (failures there are ignored), +OK, the end
 * else        -ERR unimplemented
 * </pre>
 * A message number that is not a number is {@code -ERR syntax error}; 0 is {@code -ERR messages
 * are counted from 1}; one past the last {@code -ERR not that many messages}; a deleted one
 * {@code -ERR already deleted}. The end of input or a timeout ends the session without UPDATE:
 * nothing is deleted. The exit code is 0 (qmail-pop3d's die()).
 *
 * <p>Runs on one thread; the connection is a {@link Wire} whose reads and writes time out after
 * 20 minutes. Memory: the message list (a name and a size per message) and fixed buffers;
 * messages are streamed.
 */
public final class Pop3dSession {
    public static final int TIMEOUT_SECONDS = 1200;
    public static final int EXIT = 0;

    /** The command table, qmail-pop3d's pop3commands[]. */
    enum Verb {
        QUIT, STAT, LIST, UIDL, DELE, RETR, RSET, LAST, TOP, NOOP;

        final String lower = name().toLowerCase(java.util.Locale.ROOT);

        static Verb of(Command c) {
            for (Verb v : values()) if (c.is(v.lower)) return v;
            return null;
        }
    }

    private final Path maildir;
    private final OutputStream out;
    private final List<MaildirScan.Message> messages;
    private final boolean[] deleted;
    private int last;

    private Pop3dSession(Path maildir, OutputStream out, List<MaildirScan.Message> messages) {
        this.maildir = maildir;
        this.out = out;
        this.messages = messages;
        this.deleted = new boolean[messages.size()];
    }

    /**
     * Serves one connection on {@code maildir} (relative names resolve against the current
     * directory, the user's home under checkpassword).
     *
     * @return the exit code qmail-pop3d has: {@link #EXIT}
     */
    public static int serve(Wire wire, Path maildir, long nowSeconds) {
        return serve(wire, maildir, nowSeconds, TIMEOUT_SECONDS);
    }

    /** As {@link #serve(Wire, Path, long)} with another idle timeout (tests). */
    static int serve(Wire wire, Path maildir, long nowSeconds, int timeoutSeconds) {
        wire.timeout(timeoutSeconds);
        OutputStream out = new BufferedOutputStream(wire.out(), 8192);
        try {
            if (!Files.isDirectory(maildir) || !Files.isExecutable(maildir)) {
                reply(out, Reply.NO_MAILDIR);
                return EXIT;
            }
            List<MaildirScan.Message> messages;
            try {
                messages = MaildirScan.scan(maildir, nowSeconds);
            } catch (IOException e) {
                reply(out, Reply.SCAN);
                return EXIT;
            }
            new Pop3dSession(maildir, out, messages).run(new CommandReader(wire.in(), 128));
        } catch (IOException e) {
            // A timeout, a client gone, a line too long, a message unreadable: qmail's die().
        }
        return EXIT;
    }

    private void run(CommandReader in) throws IOException {
        reply(out, Reply.OK);
        while (true) {
            Command c;
            try {
                c = in.next();
            } catch (LineTooLongException e) {
                reply(out, Reply.LINE_TOO_LONG);
                return;
            }
            if (c == null) return;
            Verb v = Verb.of(c);
            if (v == null) {
                reply(out, Reply.UNIMPLEMENTED);
                continue;
            }
            switch (v) {
                case QUIT -> {
                    update();
                    return;
                }
                case STAT -> stat();
                case LIST -> listing(c.arg(), false);
                case UIDL -> listing(c.arg(), true);
                case DELE -> dele(c.arg());
                case RETR, TOP -> top(c.arg());
                case RSET -> {
                    java.util.Arrays.fill(deleted, false);
                    last = 0;
                    reply(out, Reply.OK);
                }
                case LAST -> send("+OK " + last + "\r\n");
                case NOOP -> reply(out, Reply.OK);
            }
        }
    }

    private void stat() throws IOException {
        long total = 0;
        for (int i = 0; i < messages.size(); i++) if (!deleted[i]) total += messages.get(i).size();
        send("+OK " + messages.size() + " " + total + "\r\n");
    }

    private void listing(String arg, boolean uidl) throws IOException {
        if (!arg.isEmpty()) {
            int i = msgno(arg);
            if (i < 0) return;
            send("+OK " + entry(i, uidl));
            return;
        }
        out.write(Reply.OK.line());
        for (int i = 0; i < messages.size(); i++) {
            if (!deleted[i]) out.write(entry(i, uidl).getBytes(StandardCharsets.ISO_8859_1));
        }
        send(".\r\n");
    }

    private String entry(int i, boolean uidl) {
        MaildirScan.Message m = messages.get(i);
        return (i + 1) + " " + (uidl ? m.uid() : Long.toString(m.size())) + "\r\n";
    }

    private void dele(String arg) throws IOException {
        int i = msgno(arg);
        if (i < 0) return;
        deleted[i] = true;
        last = Math.max(last, i + 1);
        reply(out, Reply.OK);
    }

    /** RETR and TOP: "n" the whole message, "n m" the header and m lines of the body. */
    private void top(String arg) throws IOException {
        int i = msgno(arg);
        if (i < 0) return;
        int p = digits(arg, 0);
        while (p < arg.length() && arg.charAt(p) == ' ') p++;
        int q = digits(arg, p);
        long limit = q > p ? saturatedAdd(scanUlong(arg, p, q), 1) : 0;
        InputStream msg;
        try {
            msg = Files.newInputStream(maildir.resolve(messages.get(i).fn()));
        } catch (IOException e) {
            reply(out, Reply.NO_SUCH);
            return;
        }
        try (msg) {
            reply(out, Reply.OK);
            Blast.blast(msg, out, limit);
        }
    }

    /** qmail's msgno: the index of the message the argument names, or -1 after the error reply. */
    private int msgno(String arg) throws IOException {
        int end = digits(arg, 0);
        if (end == 0) {
            reply(out, Reply.SYNTAX);
            return -1;
        }
        long u = scanUlong(arg, 0, end);
        if (u == 0) {
            reply(out, Reply.NO_ZERO);
            return -1;
        }
        if (u - 1 >= messages.size()) {
            reply(out, Reply.TOO_BIG);
            return -1;
        }
        if (deleted[(int) (u - 1)]) {
            reply(out, Reply.DELETED);
            return -1;
        }
        return (int) (u - 1);
    }

    private static int digits(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
        return i;
    }

    /** scan_ulong, saturating where qmail's would wrap: a huge number is just too big. */
    private static long scanUlong(String s, int from, int to) {
        long u = 0;
        for (int i = from; i < to; i++) {
            int d = s.charAt(i) - '0';
            if (u > (Long.MAX_VALUE - d) / 10) return Long.MAX_VALUE;
            u = u * 10 + d;
        }
        return u;
    }

    private static long saturatedAdd(long a, long b) {
        return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
    }

    /** UPDATE: unlink what was deleted, move the rest of new/ to cur/, then +OK. */
    private void update() throws IOException {
        boolean unlinkFailed = false;
        for (int i = 0; i < messages.size(); i++) {
            String fn = messages.get(i).fn();
            if (deleted[i]) {
                try {
                    Files.delete(maildir.resolve(fn));
                } catch (IOException e) {
                    unlinkFailed = true;
                }
            } else if (fn.startsWith("new/")) {
                try {
                    Files.move(maildir.resolve(fn), maildir.resolve("cur/" + fn.substring(4) + ":2,"));
                } catch (IOException e) {
                    // qmail: "if it fails, bummer"
                }
            }
        }
        // qmail sends this error once per failed unlink and then +OK as well; one reply is enough.
        reply(out, unlinkFailed ? Reply.NO_UNLINK : Reply.OK);
    }

    private static void reply(OutputStream out, Reply r) throws IOException {
        out.write(r.line());
        out.flush();
    }

    private void send(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }
}
