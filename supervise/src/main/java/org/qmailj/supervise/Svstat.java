package org.qmailj.supervise;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.Exit;
import org.qmailj.common.sys.Chdir;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.tai.Tai64n;

/**
 * svstat - prints the status of services monitored by supervise (svstat(8)), one line per
 * directory on stdout, in daemontools' exact words, e.g.
 * {@code /service/qmail: up (pid 123) 45 seconds, normally down, paused}. Exits 0.
 */
public final class Svstat {
    private Svstat() {
    }

    public static void main(String[] args) {
        StringBuilder out = new StringBuilder();
        Path orig = Path.of(System.getProperty("user.dir"));
        for (String dir : args) {
            out.append(dir).append(": ");
            status(dir, out);
            out.append('\n');
            try {
                Chdir.to(orig);
            } catch (SysException e) {
                System.out.print(out);
                System.err.println("svstat: fatal: unable to set directory: " + ErrorStr.of(e));
                Exit.now(Exit.SOFT);
            }
        }
        PrintStream o = new PrintStream(System.out, false, StandardCharsets.ISO_8859_1);
        o.print(out);
        o.flush();
        Exit.now(Exit.OK);
    }

    /** One service's line, without the directory and the newline. */
    static void status(String dir, StringBuilder b) {
        try {
            Chdir.to(Path.of(dir));
        } catch (SysException e) {
            b.append("unable to chdir: ").append(ErrorStr.of(e));
            return;
        }
        boolean normallyUp;
        try {
            Files.readAttributes(Path.of("down"), "unix:mode");
            normallyUp = false;
        } catch (NoSuchFileException e) {
            normallyUp = true;
        } catch (IOException e) {
            b.append("unable to stat down: ").append(ErrorStr.of(e));
            return;
        }
        try {
            Fd.close(Fifo.openWrite(Path.of("supervise/ok")));
        } catch (SysException e) {
            if (e.errno() == Errno.ENXIO) {
                b.append("supervise not running");
            } else {
                b.append("unable to open supervise/ok: ").append(ErrorStr.of(e));
            }
            return;
        }
        byte[] raw;
        try {
            raw = Files.readAllBytes(Path.of("supervise/status"));
        } catch (IOException e) {
            b.append("unable to open supervise/status: ").append(ErrorStr.of(e));
            return;
        }
        if (raw.length < Status.BYTES) {
            b.append("unable to read supervise/status: bad format");
            return;
        }
        Status s = Status.decode(raw);
        long now = Tai64n.now().label();
        long when = Math.min(s.when().label(), now);
        long seconds = now - when;
        if (s.pid() != 0) {
            b.append("up (pid ").append(s.pid()).append(") ");
        } else {
            b.append("down ");
        }
        b.append(seconds).append(" seconds");
        if (s.pid() != 0 && !normallyUp) {
            b.append(", normally down");
        }
        if (s.pid() == 0 && normallyUp) {
            b.append(", normally up");
        }
        if (s.pid() != 0 && s.paused()) {
            b.append(", paused");
        }
        if (s.pid() == 0 && s.want() == Status.WANT_UP) {
            b.append(", want up");
        }
        if (s.pid() != 0 && s.want() == Status.WANT_DOWN) {
            b.append(", want down");
        }
    }
}
