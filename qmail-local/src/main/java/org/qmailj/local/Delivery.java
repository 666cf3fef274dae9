package org.qmailj.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueClients;
import org.qmailj.common.queue.QueueResult;

/**
 * One qmail-local delivery (qmail-local(8), dot-qmail(5)): checks the home directory, looks
 * for the Delivered-To loop, finds the .qmail file, then follows its lines in order:
 * comment, mbox, maildir and program lines at once, forward lines all together at the end
 * through one queue session. Runs on the calling thread; several deliveries may run at once
 * in one worker JVM (nothing here depends on the process's working directory or umask).
 *
 * <p>Result: exit code 0 with "did F+W+P" on the report, or a {@link LocalFailure}.
 */
public final class Delivery {
    private final LocalRequest req;
    private final MessageFile msg;
    private final Map<String, String> baseEnv;
    private final QmailHome qmailHome;
    private final Report report;
    private int countFile;
    private int countForward;
    private int countProgram;

    /** @param msg the message; may be null when {@code req} does not deliver (-n) */
    public Delivery(LocalRequest req, MessageFile msg, Map<String, String> baseEnv, QmailHome qmailHome,
            Report report) {
        this.req = req;
        this.msg = msg;
        this.baseEnv = baseEnv;
        this.qmailHome = qmailHome;
        this.report = report;
    }

    /** Runs the delivery; returns the exit code, having written qmail-local's words to the report. */
    public int run() {
        try {
            deliver();
            return LocalExit.OK.code();
        } catch (LocalFailure f) {
            if (f.getMessage() != null) report.err(f.getMessage());
            return f.exit();
        } catch (RuntimeException e) {
            report.err("Temporary failure in qmail-local: " + e + ". (#4.3.0)");
            return LocalExit.SOFT.code();
        }
    }

    private void deliver() throws LocalFailure {
        Path home = Path.of(req.homedir());
        checkHome(home);
        EnvelopeLines lines = EnvelopeLines.of(req, System.currentTimeMillis() / 1000);

        // Look for our own Delivered-To line in the header.
        if (req.doit()) checkLoop(lines.dtline());

        // Find the .qmail file.
        Optional<DotQmail.Found> found = DotQmail.search(home, req.dash(), req.ext());
        if (found.isEmpty() && !req.dash().isEmpty()) {
            throw LocalFailure.perm("Sorry, no mailbox here by that name. (#5.1.1)");
        }
        String defaultPart = found.map(DotQmail.Found::defaultPart).orElse(null);

        // The envelope sender for forwards.
        String ueo = req.sender();
        if (!req.sender().isEmpty() && !req.sender().equals("#@[]")
                && DotQmail.exists(home, req.dash(), req.ext(), "-owner")) {
            ueo = DotQmail.exists(home, req.dash(), req.ext(), "-owner-default")
                    ? req.local() + "-owner-@" + req.domain() + "-@[]"
                    : req.local() + "-owner@" + req.domain();
        }
        // The programs' environment is made at the first program line: a delivery to a
        // maildir or mbox alone does not copy the process environment (about 2 KiB a delivery).
        Map<String, String> env = null;

        byte[] cmds = found.map(DotQmail.Found::contents).orElse(new byte[0]);
        boolean forwardOnly = found.map(DotQmail.Found::executable).orElse(false);
        if (cmds.length == 0) {
            cmds = req.defaultDelivery().getBytes(StandardCharsets.ISO_8859_1);
            forwardOnly = false;
        }
        String text = new String(cmds, StandardCharsets.ISO_8859_1);
        if (!text.endsWith("\n")) text += "\n";

        byte[] head = (lines.rpline() + lines.dtline()).getBytes(StandardCharsets.ISO_8859_1);
        List<String> recips = new ArrayList<>();
        String[] all = text.split("\n", -1);
        for (int n = 0; n < all.length - 1; n++) {
            String line = stripTrailing(all[n]);
            // qmail reads each line as a C string: it ends at its first NUL.
            int nul = line.indexOf('\0');
            if (nul >= 0) line = line.substring(0, nul);
            if (line.isEmpty()) {
                if (n == 0) throw LocalFailure.temp("Uh-oh: first line of .qmail file is blank. (#4.2.1)");
                continue;
            }
            char c = line.charAt(0);
            if (c == '#') continue;
            if (c == '.' || c == '/') {
                countFile++;
                if (forwardOnly) throw LocalFailure.temp("Uh-oh: .qmail has file delivery but has x bit set. (#4.7.0)");
                Path target = home.resolve(line);
                if (line.endsWith("/")) {
                    if (req.doit()) Maildir.deliver(target, head, msg);
                    else report.out("maildir " + line + "\n");
                } else {
                    if (req.doit()) {
                        byte[] uf = lines.ufline().getBytes(StandardCharsets.ISO_8859_1);
                        Mbox.deliver(target, line, Mbox.concat(uf, head), msg);
                    } else {
                        report.out("mbox " + line + "\n");
                    }
                }
            } else if (c == '|') {
                countProgram++;
                if (forwardOnly) throw LocalFailure.temp("Uh-oh: .qmail has prog delivery but has x bit set. (#4.7.0)");
                if (req.doit()) {
                    if (env == null) env = programEnv(lines, defaultPart, ueo);
                    if (ProgramLine.run(line.substring(1), env, msg, report) == ProgramLine.Outcome.STOP) break;
                } else {
                    report.out("program " + line.substring(1) + "\n");
                }
            } else {
                String addr = c == '&' ? line.substring(1) : line;
                countForward++;
                if (req.doit()) recips.add(addr);
                else report.out("forward " + addr + "\n");
            }
        }
        if (!req.doit()) return;
        if (!recips.isEmpty()) forward(ueo, recips, lines.dtline());
        report.out("did " + countFile + "+" + countForward + "+" + countProgram + "\n");
    }

    /** qmail-command(8)'s environment: ours without DEFAULT, the envelope's, DEFAULT if found, NEWSENDER. */
    private Map<String, String> programEnv(EnvelopeLines lines, String defaultPart, String newsender) {
        Map<String, String> env = new LinkedHashMap<>(baseEnv);
        env.remove("DEFAULT");
        env.putAll(lines.env());
        if (defaultPart != null) env.put("DEFAULT", defaultPart);
        env.put("NEWSENDER", newsender);
        return env;
    }

    private static String stripTrailing(String s) {
        int k = s.length();
        while (k > 0 && (s.charAt(k - 1) == ' ' || s.charAt(k - 1) == '\t')) k--;
        return s.substring(0, k);
    }

    /**
     * qmail-local's chdir to the home directory and its stat: one stat of {@code HOME/.}
     * answers all three questions, since reaching {@code .} needs search permission on the home
     * (EACCES otherwise) and a home that is no directory fails with ENOTDIR.
     */
    private void checkHome(Path home) throws LocalFailure {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(home.resolve("."), "unix:mode");
        } catch (IOException e) {
            String why = e instanceof FileSystemException f && "Not a directory".equals(f.getReason())
                    ? "not a directory" : LocalFailure.reason(e);
            throw LocalFailure.temp("Unable to switch to " + req.homedir() + ": " + why + ". (#4.3.0)");
        }
        if ((mode & 0170000) != 0040000) {
            throw LocalFailure.temp("Unable to switch to " + req.homedir() + ": not a directory. (#4.3.0)");
        }
        if ((mode & DotQmail.PATRN) != 0) throw LocalFailure.temp("Uh-oh: home directory is writable. (#4.7.0)");
        if ((mode & 01000) != 0) {
            if (req.doit()) {
                throw LocalFailure.temp("Home directory is sticky: user is editing his .qmail file. (#4.2.1)");
            }
            report.err("Warning: home directory is sticky.");
        }
    }

    /**
     * qmail-local's loop check: the header (up to the first empty line, or a last line without
     * newline) must not hold our Delivered-To line. Streamed: a line is only compared while it
     * is no longer than the Delivered-To line.
     */
    private void checkLoop(String dtline) throws LocalFailure {
        byte[] dt = dtline.getBytes(StandardCharsets.ISO_8859_1);
        try {
            // The message's first block, which the deliveries that follow use too; a header
            // longer than it goes on from the file.
            byte[] b = msg.first();
            int n = msg.firstLength();
            int len = 0; // bytes of the current line so far
            boolean same = true; // the line so far equals dt's start
            InputStream rest = null;
            try {
                while (true) {
                    for (int i = 0; i < n; i++) {
                        byte c = b[i];
                        if (same && (len >= dt.length || dt[len] != c)) same = false;
                        len++;
                        if (c != '\n') continue;
                        if (len <= 1) return;
                        if (same && len == dt.length) {
                            throw LocalFailure.perm("This message is looping: it already has my Delivered-To line. (#5.4.6)");
                        }
                        len = 0;
                        same = true;
                    }
                    if (rest == null) {
                        if (msg.allInFirst()) return;
                        rest = msg.open(n);
                        b = new byte[8192];
                    }
                    n = rest.read(b, 0, b.length);
                    if (n < 0) return;
                }
            } finally {
                if (rest != null) rest.close();
            }
        } catch (IOException e) {
            throw LocalFailure.temp("Unable to read message. (#4.3.0)");
        }
    }

    private void forward(String sender, List<String> recips, String dtline) throws LocalFailure {
        QueueClient client = QueueClients.standard(qmailHome, baseEnv);
        QueueResult r;
        try (QueueClient.Session s = client.open()) {
            OutputStream out = s.message();
            out.write(dtline.getBytes(StandardCharsets.ISO_8859_1));
            try (InputStream in = msg.open()) {
                in.transferTo(out);
            }
            r = s.commit(new Envelope(sender, recips));
        } catch (IOException | IllegalArgumentException e) {
            throw LocalFailure.temp("Unable to fork: " + e.getMessage() + ". (#4.3.0)");
        }
        if (r.ok()) return;
        throw new LocalFailure(r.permanent() ? LocalExit.HARD.code() : LocalExit.SOFT.code(),
                "Unable to forward message: " + r.text() + ".");
    }
}
