package org.qmailj.splogger;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.Exit;
import org.qmailj.common.FailFast;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.sys.Umask;
import org.qmailj.common.tai.Tai64n;

/**
 * multilog - reads a sequence of lines from stdin and appends selected lines to any number
 * of logs (multilog(8), daemontools 0.76).
 *
 * <p>The script is one action per argument: {@code t} (timestamp, first only), {@code -pat},
 * {@code +pat} (deselect, select), {@code e} (stderr), {@code =file} (status file),
 * {@code sNNN}, {@code nNNN}, {@code !processor} (settings for later directories), and
 * {@code ./dir} or {@code /dir} (an automatically rotated log, {@link Cyclog}).
 *
 * <p>Reads fd 0; writes only the logs (and stderr for {@code e} and warnings). Everything
 * read is written to the logs before the next read, so at most one read's worth of input is
 * in memory at any time. TERM: finish the current line, then exit 0. ALRM: rotate every
 * nonempty current now.
 *
 * <p>One instance is one log: a script, its directories and the line being read. {@link
 * Multilogs} runs several in one JVM with the same per-instance code.
 *
 * <p>Threads: the main thread reads and processes under the instance's {@link #lock}; the
 * signal handlers take the same lock, so a TERM or ALRM arriving while the main thread waits
 * for input is acted on at once.
 */
public final class Multilog {
    private static final int MAXLINE = 1000;
    /**
     * Bytes taken from stdin per read. What one read took and was not yet written is what a
     * SIGKILL can lose (daemontools: up to 1 KiB plus 512 bytes per log); 8 KiB keeps that
     * small at little cost in speed.
     */
    static final int READ = 8192;
    /**
     * After a read that emptied the pipe, the reader waits this long before it looks again, so
     * that lines written meanwhile are taken and written out together: under a load of mail a
     * daemon's few lines per message otherwise cost a wake-up, a read and a write each, for
     * the logger and for every writer that wakes it. The lines wait in the pipe, not here.
     */
    static final long GATHER_MILLIS = 10;
    private static final FileOutputStream STDERR = new FileOutputStream(FileDescriptor.err);
    private static List<String> environment;
    /** The name warnings start with: multilog, or multilogs when one JVM runs several. */
    static volatile String program = "multilog";

    static final class Fatal extends Exception {
        private static final long serialVersionUID = 1L;

        Fatal(String message) {
            super(message);
        }
    }

    private sealed interface Action permits Select, Deselect, Alert, StatusFile, Log, Other {
    }

    private record Select(Pattern p) implements Action {
    }

    private record Deselect(Pattern p) implements Action {
    }

    private record Alert() implements Action {
    }

    private record StatusFile(String name, FileChannel ch) implements Action {
    }

    private record Log(Cyclog log) implements Action {
    }

    private record Other() implements Action {
    }

    /** Held by whoever reads into or writes out this log, and by the signal handlers. */
    final Object lock = new Object();
    private final Action[] script;
    private final Cyclog[] logs;
    private final boolean timestamp;
    private final byte[] line = new byte[MAXLINE + 1];
    private int linelen;
    private boolean inLine;
    private boolean streaming;
    private boolean flagNewline = true;
    /** TERM seen: read up to the end of the line being processed, then end. */
    private volatile boolean exitAsap;

    // The multilog program's signal state: a signal may come before its script is parsed.
    /** TERM seen, perhaps before {@link #instance} was set. */
    private static volatile boolean termSeen;
    /** ALRM seen, perhaps before {@link #instance} was set: rotate at the first chance. */
    private static volatile boolean alrmSeen;
    private static volatile Multilog instance;

    private Multilog(Action[] script, Cyclog[] logs, boolean timestamp) {
        this.script = script;
        this.logs = logs;
        this.timestamp = timestamp;
        Arrays.fill(line, (byte) '\n');
    }

    static List<String> environment() {
        if (environment == null) {
            List<String> env = new ArrayList<>();
            System.getenv().forEach((k, v) -> env.add(k + "=" + v));
            environment = env;
        }
        return environment;
    }

    static void warn(String message) {
        System.err.println(program + ": warning: " + message);
    }

    /** Waits {@link #GATHER_MILLIS} after a read shorter than {@code READ} bytes (the pipe was emptied). */
    static void gather(int n) {
        if (n > 0 && n < READ) sleep(GATHER_MILLIS);
    }

    static void sleep5() {
        sleep(5000);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static void main(String[] args) {
        FailFast.install("multilog");
        Umask.set(022);
        // Handlers first, as daemontools blocks TERM and ALRM before it opens the logs.
        signals();
        Multilog m;
        try {
            m = parse(args);
        } catch (Fatal f) {
            System.err.println("multilog: fatal: " + f.getMessage());
            Exit.now(Exit.SOFT);
            return;
        }
        instance = m;
        m.run(new FileInputStream(FileDescriptor.in));
        Exit.now(Exit.OK);
    }

    /** Parses a script and opens its files and directories, as multilog does at start. */
    static Multilog parse(String[] args) throws Fatal {
        Action[] script = new Action[args.length];
        List<Cyclog> logs = new ArrayList<>();
        try {
            return parse(args, script, logs);
        } catch (Fatal f) {
            // What opened before the failing file is given up, so that a second try can lock it.
            release(script, logs);
            throw f;
        }
    }

    private static Multilog parse(String[] args, Action[] script, List<Cyclog> logs) throws Fatal {
        long size = 99999;
        int num = 10;
        String processor = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            char c = a.isEmpty() ? 0 : a.charAt(0);
            script[i] = switch (c) {
                case '+' -> new Select(Pattern.of(a.substring(1)));
                case '-' -> new Deselect(Pattern.of(a.substring(1)));
                case 'e' -> new Alert();
                case '=' -> new StatusFile(a.substring(1), openStatus(a.substring(1)));
                case 's' -> {
                    size = Math.min(Math.max(scanUlong(a.substring(1)), 4096), 16777215);
                    yield new Other();
                }
                case 'n' -> {
                    num = (int) Math.min(Math.max(scanUlong(a.substring(1)), 2), Integer.MAX_VALUE);
                    yield new Other();
                }
                case '!' -> {
                    processor = a.substring(1);
                    yield new Other();
                }
                case '.', '/' -> {
                    Cyclog log = new Cyclog(a, Path.of(a).toAbsolutePath(), size, num, processor);
                    log.restart();
                    logs.add(log);
                    yield new Log(log);
                }
                default -> new Other();
            };
        }
        boolean t = args.length > 0 && args[0].startsWith("t");
        return new Multilog(script, logs.toArray(Cyclog[]::new), t);
    }

    /** Closes the status files and gives up the directories, completing nothing (a failed start). */
    private static void release(Action[] script, List<Cyclog> logs) {
        for (Action a : script) {
            if (a instanceof StatusFile(String name, FileChannel ch)) {
                try {
                    ch.close();
                } catch (IOException e) {
                    // nothing to lose: a status file is rewritten whole
                }
            }
        }
        for (Cyclog c : logs) {
            c.release();
        }
    }

    /** djb's scan_ulong: leading decimal digits, 0 if none. */
    private static long scanUlong(String s) {
        long v = 0;
        for (int i = 0; i < s.length() && Character.isDigit(s.charAt(i)) && v < 1L << 40; i++) {
            v = v * 10 + (s.charAt(i) - '0');
        }
        return v;
    }

    private static FileChannel openStatus(String name) throws Fatal {
        Path p = Path.of(name).toAbsolutePath();
        try {
            return FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new Fatal("unable to create " + name + ": " + ErrorStr.of(e));
        }
    }

    /**
     * The handlers set the flag first and then look for the instance, while main sets the
     * instance and then run() looks at the flags: one of the two always sees the other's write.
     */
    @SuppressWarnings("removal")
    private static void signals() {
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> {
            termSeen = true;
            Multilog m = instance;
            if (m != null) {
                m.term();
            }
        });
        sun.misc.Signal.handle(new sun.misc.Signal("ALRM"), s -> {
            alrmSeen = true;
            Multilog m = instance;
            if (m != null) {
                synchronized (m.lock) {
                    m.forceRotate();
                }
            }
        });
    }

    /** TERM: at a line boundary end now, else once the line being read is complete. */
    private void term() {
        exitAsap = true;
        synchronized (lock) {
            if (flagNewline && !inLine) {
                quit();
                Exit.now(Exit.OK);
            }
        }
    }

    /** ALRM: every nonempty current becomes an old log now. Called under {@link #lock}. */
    void forceRotate() {
        for (Cyclog c : logs) {
            c.flush();
            if (c.nonEmpty()) {
                c.fullcurrent();
            }
        }
    }

    private void run(InputStream in) {
        byte[] buf = new byte[READ];
        synchronized (lock) {
            if (alrmSeen) {
                forceRotate();
            }
            if (termSeen) {
                quit();
                return;
            }
        }
        while (true) {
            int n;
            try {
                // Wait for input before choosing how much to read: after a TERM, read byte by
                // byte up to the end of the line being processed, leaving the rest in the pipe.
                awaitInput();
                n = in.read(buf, 0, exitAsap ? 1 : buf.length);
            } catch (IOException e) {
                n = -1;
            }
            synchronized (lock) {
                if (n <= 0) {
                    endInput();
                    return;
                }
                feed(buf, n);
                if (exitAsap && !inLine) {
                    quit();
                    return;
                }
            }
            if (!exitAsap) gather(n);
        }
    }

    /**
     * Processes what one read took and writes it out (the logs hold nothing between reads).
     * Called under {@link #lock}.
     */
    void feed(byte[] buf, int n) {
        process(buf, n);
        flagNewline = buf[n - 1] == '\n';
        for (Cyclog c : logs) {
            c.flush();
        }
    }

    /** End of input: a line in progress gets its newline, then every current is complete. */
    void endInput() {
        if (inLine) {
            endOfLine();
        }
        quit();
    }

    /** poll(2) on fd 0 until it is readable (or at end); the TERM handler may run meanwhile. */
    private static void awaitInput() {
        try {
            while (Fd.poll(0, Fd.POLLIN, 1000) == 0) {
                // nothing yet
            }
        } catch (SysException e) {
            // not pollable: just read
        }
    }

    private void process(byte[] b, int n) {
        int i = 0;
        while (i < n) {
            if (!inLine) {
                inLine = true;
                if (timestamp) {
                    line[0] = '@';
                    Tai64n.now().hex(line, 1);
                    line[25] = ' ';
                    linelen = 26;
                }
            }
            if (streaming) {
                // The rest of a line longer than the 1000 bytes multilog looks at.
                int j = i;
                while (j < n && b[j] != '\n') {
                    j++;
                }
                for (Cyclog c : logs) {
                    if (c.selected) {
                        c.append(b, i, j - i);
                    }
                }
                if (j < n) {
                    newline();
                    j++;
                }
                i = j;
                continue;
            }
            byte ch = b[i++];
            if (ch == '\n') {
                actions();
                newline();
                continue;
            }
            line[linelen++] = ch;
            if (linelen == MAXLINE) {
                actions();
                streaming = true;
            }
        }
    }

    /** End of input inside a line: multilog adds the newline. */
    private void endOfLine() {
        if (!streaming) {
            actions();
        }
        newline();
    }

    private static final byte[] NL = {'\n'};

    private void newline() {
        for (Cyclog c : logs) {
            if (c.selected) {
                c.append(NL, 0, 1);
            }
        }
        Arrays.fill(line, 0, linelen, (byte) '\n');
        linelen = 0;
        inLine = false;
        streaming = false;
    }

    /** Runs the script on the line's first 1000 bytes and writes them to the selected logs. */
    private void actions() {
        boolean selected = true;
        for (Action a : script) {
            switch (a) {
                case Select(Pattern p) -> {
                    if (!selected && p.matches(line, linelen)) {
                        selected = true;
                    }
                }
                case Deselect(Pattern p) -> {
                    if (selected && p.matches(line, linelen)) {
                        selected = false;
                    }
                }
                case Alert() -> {
                    if (selected) {
                        alert();
                    }
                }
                case StatusFile(String name, FileChannel ch) -> {
                    if (selected) {
                        status(name, ch);
                    }
                }
                case Log(Cyclog log) -> log.selected = selected;
                case Other() -> {
                }
            }
        }
        for (Cyclog c : logs) {
            if (c.selected) {
                c.append(line, 0, linelen);
            }
        }
    }

    private void alert() {
        byte[] out;
        if (linelen > 200) {
            out = Arrays.copyOf(line, 204);
            System.arraycopy("...\n".getBytes(StandardCharsets.US_ASCII), 0, out, 200, 4);
        } else {
            out = Arrays.copyOf(line, linelen + 1);
            out[linelen] = '\n';
        }
        try {
            STDERR.write(out);
        } catch (IOException e) {
            // stderr gone: nothing to tell
        }
    }

    private void status(String name, FileChannel ch) {
        while (true) {
            try {
                ByteBuffer bb = ByteBuffer.wrap(line, 0, MAXLINE + 1);
                long pos = 0;
                while (bb.hasRemaining()) {
                    pos += ch.write(bb, pos);
                }
                return;
            } catch (IOException e) {
                warn("unable to write " + name + ", pausing: " + ErrorStr.of(e));
                sleep5();
            }
        }
    }

    private void quit() {
        for (Cyclog c : logs) {
            c.quit();
        }
    }
}
