package org.qmailj.supervise;

import java.nio.file.Path;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.Exit;
import org.qmailj.common.sys.Chdir;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.SysException;

/**
 * svc - controls services monitored by supervise (svc(8), daemontools 0.76).
 *
 * <p>{@code svc opts services}: writes the option letters (each once, in the order first
 * given) to each service's {@code supervise/control} fifo. Problems with one service are
 * warnings on stderr; the exit code is 0 unless the options are bad (100).
 */
public final class Svc {
    private static final String USAGE = "svc options: u up, d down, o once, x exit, p pause, "
            + "c continue, h hup, a alarm, i interrupt, t term, k kill";
    private static final String WARNING = "svc: warning: ";

    private Svc() {
    }

    public static void main(String[] args) {
        StringBuilder data = new StringBuilder();
        int i = 0;
        // getopt: clustered single-letter options, "--" ends them, a lone "-" is an operand.
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                i++;
                break;
            }
            if (a.length() < 2 || a.charAt(0) != '-') {
                break;
            }
            for (int k = 1; k < a.length(); k++) {
                char c = a.charAt(k);
                if (Command.of(c) == null) {
                    System.err.println("svc: illegal option -- " + c);
                    System.err.println(USAGE);
                    Exit.now(Exit.HARD);
                }
                if (data.indexOf(String.valueOf(c)) < 0 && data.length() < 20) {
                    data.append(c);
                }
            }
        }
        byte[] bytes = data.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Path orig = Path.of(System.getProperty("user.dir"));
        for (; i < args.length; i++) {
            control(args[i], bytes);
            try {
                Chdir.to(orig);
            } catch (SysException e) {
                System.err.println("svc: fatal: unable to set directory: " + ErrorStr.of(e));
                Exit.now(Exit.SOFT);
            }
        }
        Exit.now(Exit.OK);
    }

    private static void control(String dir, byte[] data) {
        try {
            Chdir.to(Path.of(dir));
        } catch (SysException e) {
            System.err.println(WARNING + "unable to chdir to " + dir + ": " + ErrorStr.of(e));
            return;
        }
        int fd;
        try {
            fd = Fifo.openWrite(Path.of("supervise/control"));
        } catch (SysException e) {
            System.err.println(WARNING + "unable to control " + dir + ": "
                    + (e.errno() == Errno.ENXIO ? "supervise not running" : ErrorStr.of(e)));
            return;
        }
        try {
            int off = 0;
            while (off < data.length) {
                int w = Fd.write(fd, data, off, data.length - off);
                if (w < 0) {
                    Fd.poll(fd, Fd.POLLOUT, -1);
                    continue;
                }
                off += w;
            }
        } catch (SysException e) {
            System.err.println(WARNING + "error writing commands to " + dir + ": "
                    + ErrorStr.of(e));
        } finally {
            try {
                Fd.close(fd);
            } catch (SysException e) {
                // written or warned already
            }
        }
    }
}
