package org.qmailj.remote;

import java.nio.file.Files;
import java.nio.file.Path;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;

/**
 * qmail-tcpok - clear TCP timeout table (qmail-tcpok(8)): writes 1024 zero bytes over
 * queue/lock/tcpto under its lock. Errors go to descriptor 2 as
 * {@code qmail-tcpok: fatal: unable to ... QMAILHOME/queue/lock/tcpto: reason}, exit 111.
 */
public final class QmailTcpok {
    private static final String FATAL = "qmail-tcpok: fatal: ";

    private QmailTcpok() {
    }

    public static void main(String[] args) {
        Exit.now(run(QmailHome.current()));
    }

    static int run(QmailHome home) {
        String h = home.root().toString();
        if (!Files.isDirectory(home.root())) return die("unable to chdir to " + h + ": " + Errors.text(home.root()));
        Path lock = home.queue().resolve("lock");
        if (!Files.isDirectory(lock)) return die("unable to chdir to " + h + "/queue/lock: " + Errors.text(lock));
        try {
            Tcpto.clearLocked(lock.resolve("tcpto"));
        } catch (Tcpto.StepException e) {
            String what = switch (e.step) {
                case OPEN -> "unable to write ";
                case LOCK -> "unable to lock ";
                default -> "unable to clear ";
            };
            return die(what + h + "/queue/lock/tcpto: " + Errors.text(e));
        }
        return Exit.OK;
    }

    private static int die(String message) {
        System.err.print(FATAL + message + "\n");
        return Exit.SOFT;
    }
}
