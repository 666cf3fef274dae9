package org.qmailj.remote;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.queue.QueueLayout;

/**
 * qmail-remote - send mail via SMTP (qmail-remote(8)).
 *
 * <p>{@code qmail-remote host sender recip [ recip ... ]}: reads the message on descriptor 0,
 * sends it to host (or its mail exchangers) and prints recipient reports and one message
 * report on descriptor 1, each ending in a 0 byte. Always exits 0. The work is
 * {@link Remote#deliver}, which qmail-rspawn also runs in-process.
 */
public final class QmailRemote {
    private QmailRemote() {
    }

    public static void main(String[] args) {
        org.qmailj.remote.dkim.SignedMessage.quiet();
        Output out = run(args);
        try (FileOutputStream fd1 = new FileOutputStream(FileDescriptor.out)) {
            fd1.write(out.toByteArray());
        } catch (IOException e) {
            // qmail-remote exits 0 even when it cannot write its report
        }
        Exit.now(Exit.OK);
    }

    private static Output run(String[] args) {
        if (args.length < 3) return Remote.usage();
        QmailHome home = QmailHome.current();
        if (!Files.isDirectory(home.root())) {
            Output out = new Output();
            Failure.CHDIR.report(out);
            return out;
        }
        Remote.Context ctx;
        try {
            Optional<Remote.Context> c = context(home);
            if (c.isEmpty()) return Remote.controlFailure();
            ctx = c.get();
        } catch (ControlException e) {
            return Remote.controlFailure();
        }
        List<String> recips = Arrays.asList(args).subList(2, args.length);
        return Remote.deliver(ctx, args[0], args[1], recips, MessageSource.stdin());
    }

    /**
     * The context of one QMAIL_HOME: its control files, the resolver of the environment, the
     * tcpto table, the JDK trust store, MTA-STS (unless QMAIL_MTASTS=0). Empty when there is no helohost (qmail-remote refuses to run).
     */
    public static Optional<Remote.Context> context(QmailHome home) throws ControlException {
        Optional<RemoteControl> control = RemoteControl.load(home.control());
        if (control.isEmpty()) return Optional.empty();
        long pid = ProcessHandle.current().pid();
        Tcpto tcpto = new Tcpto(new QueueLayout(home.queue()).tcpto());
        Dns dns = DnsjavaDns.fromEnvironment();
        TlsClient tls = TlsClient.jdkDefault();
        return Optional.of(new Remote.Context(control.get(), dns, new Ipme(), tcpto,
                () -> System.currentTimeMillis() / 1000 + (pid << 16) + java.util.concurrent.ThreadLocalRandom.current().nextLong(),
                tls, MtaSts.fromEnvironment(dns, tls)));
    }
}
