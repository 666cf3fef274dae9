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
 * svok - checks whether supervise is running (svok(8)): exits 0 if supervise runs in
 * {@code dir} (its {@code supervise/ok} fifo has a reader), 100 if not (no reader, or no fifo at all) and
 * on usage errors, 111 on trouble.
 */
public final class Svok {
    private Svok() {
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("svok: usage: svok dir");
            Exit.now(Exit.HARD);
        }
        try {
            Chdir.to(Path.of(args[0]));
        } catch (SysException e) {
            System.err.println("svok: fatal: unable to chdir to " + args[0] + ": " + ErrorStr.of(e));
            Exit.now(Exit.SOFT);
        }
        try {
            Fd.close(Fifo.openWrite(Path.of("supervise/ok")));
        } catch (SysException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENXIO) {
                Exit.now(Exit.HARD);
            }
            System.err.println("svok: fatal: unable to open " + args[0] + "/supervise/ok: "
                    + ErrorStr.of(e));
            Exit.now(Exit.SOFT);
        }
        Exit.now(Exit.OK);
    }
}
