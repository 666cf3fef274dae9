package org.qmailj.rspawn;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import org.qmailj.common.Exit;
import org.qmailj.common.FailFast;
import org.qmailj.common.Privileges;
import org.qmailj.common.QmailHome;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.spawn.SpawnCheck;
import org.qmailj.remote.MessageSource;
import org.qmailj.remote.QmailRemote;
import org.qmailj.remote.Remote;
import org.qmailj.remote.RemoteControl;
import org.qmailj.remote.Tcpto;

/**
 * qmail-rspawn - schedule remote deliveries (qmail-rspawn(8)).
 *
 * <p>Reads remote delivery commands from descriptor 0, performs the deliveries, and prints
 * the results on descriptor 1 (protocol: {@link org.qmailj.common.spawn.SpawnProtocol}, wide
 * hello; {@link Spawner}). Each
 * delivery is qmail-remote's code ({@link Remote#deliver}) on a virtual thread of this JVM,
 * with the message file {@code QMAIL_HOME/queue/mess/S/N} opened by the spawner; when
 * {@code $QMAILREMOTE} is set, that program is run instead, per delivery, as C qmail-rspawn
 * does (message on its fd 0, fds 1 and 2 read as its output).
 *
 * <p>Started as root (by qmail-start), it first becomes qmailr with group qmail (lib/ids);
 * started by another user it stays that user. Then it clears the tcpto table, as C
 * qmail-rspawn's tcpto_clean. Control files are re-read at most once a second. Exits 0 at
 * end of input once every delivery has reported; 111 if it cannot start.
 */
public final class QmailRspawn {
    private QmailRspawn() {
    }

    public static void main(String[] args) throws Exception {
        FailFast.install("qmail-rspawn");
        QmailHome home = QmailHome.current();
        Privileges.become("qmail-rspawn", home, Privileges.Role.QMAILR);
        QueueLayout queue = new QueueLayout(home.queue());
        try {
            Tcpto.clear(queue.tcpto());
        } catch (IOException e) {
            // tcpto_clean: if it fails, bummer
        }
        String qmailremote = System.getenv("QMAILREMOTE");
        Spawner.Delivery delivery = qmailremote == null || qmailremote.isEmpty()
                ? inProcess(home) : external(qmailremote);
        SpawnCheck check;
        try {
            check = SpawnCheck.forQueue(home);
        } catch (IOException e) {
            System.err.println("qmail-rspawn: fatal: unable to open queue/mess: " + e.getMessage());
            Exit.now(Exit.SOFT);
            return;
        }
        BufferedOutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 8192);
        new Spawner(new FileInputStream(FileDescriptor.in), out, check, delivery).run();
        Exit.now(Exit.OK);
    }

    /** qmail-remote's code in this JVM, sharing the resolver, the tcpto table and ipme. */
    static Spawner.Delivery inProcess(QmailHome home) {
        ContextCache contexts = new ContextCache(home);
        return (message, path, cmd) -> {
            String host = cmd.recipient().substring(cmd.recipient().lastIndexOf('@') + 1);
            Optional<Remote.Context> ctx = contexts.get();
            byte[] output = ctx.isEmpty() ? Remote.controlFailure().toByteArray()
                    : Remote.deliver(ctx.get(), host, cmd.sender(), List.of(cmd.recipient()), MessageSource.channel(message))
                            .toByteArray();
            return RemoteReport.of(output);
        };
    }

    /** $QMAILREMOTE as a child process per delivery, with C qmail-rspawn's exit-code mapping. */
    static Spawner.Delivery external(String program) {
        return (message, path, cmd) -> {
            String host = cmd.recipient().substring(cmd.recipient().lastIndexOf('@') + 1);
            Process p;
            try {
                p = new ProcessBuilder(program, host, cmd.sender(), cmd.recipient())
                        .redirectInput(path.toFile()).redirectErrorStream(true).start();
            } catch (IOException e) {
                return "DUnable to run qmail-remote.\n";
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            try (InputStream o = p.getInputStream()) {
                o.transferTo(output);
            }
            int code = p.waitFor();
            if (code > 128) return "Zqmail-remote crashed.\n";
            if (code == 111) return "ZUnable to run qmail-remote.\n";
            if (code != 0) return "DUnable to run qmail-remote.\n";
            return RemoteReport.of(output.toByteArray());
        };
    }

    /**
     * The deliveries' shared context: one resolver, ipme and tcpto table for the life of the
     * process; the control files re-read at most once a second.
     */
    static final class ContextCache {
        private final QmailHome home;
        private Remote.Context base;
        private Optional<Remote.Context> ctx = Optional.empty();
        private long readAt;
        private boolean read;

        ContextCache(QmailHome home) {
            this.home = home;
        }

        synchronized Optional<Remote.Context> get() {
            long now = System.nanoTime();
            if (!read || now - readAt > 1_000_000_000L) {
                try {
                    if (base == null) {
                        ctx = QmailRemote.context(home);
                        base = ctx.orElse(null);
                    } else {
                        ctx = RemoteControl.load(home.control()).map(base::withControl);
                    }
                } catch (ControlException e) {
                    ctx = Optional.empty();
                }
                readAt = now;
                read = true;
            }
            return ctx;
        }
    }
}
