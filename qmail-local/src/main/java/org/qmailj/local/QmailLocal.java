package org.qmailj.local;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.Arrays;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;

/**
 * qmail-local - deliver or forward a mail message (qmail-local(8)).
 *
 * <p>Reads the message on fd 0 (a regular file is read in place; a pipe is first copied to an
 * unlinked temp file, since deliveries reread it), delivers it by the procedure of dot-qmail(5), writes the
 * outcome on fd 1 ("did F+W+P" and program output) and errors on fd 2, and exits 0, 100
 * (permanent failure) or 111 (temporary failure). The same {@link Delivery} runs inside
 * qmail-lspawn's per-user workers ({@link LocalWorker}).
 */
public final class QmailLocal {
    private QmailLocal() {
    }

    public static void main(String[] args) {
        LocalRequest req = LocalRequest.parse(Arrays.asList(args));
        if (req == null) {
            System.err.println(LocalRequest.USAGE);
            Exit.now(LocalExit.HARD.code());
            return;
        }
        MessageFile msg = null;
        if (req.doit()) {
            try {
                msg = MessageFile.stdin(new FileInputStream(FileDescriptor.in));
            } catch (IOException e) {
                System.err.println("Unable to read message: " + LocalFailure.reason(e) + ". (#4.3.0)");
                Exit.now(LocalExit.SOFT.code());
                return;
            }
        }
        Report report = new Report.Streams(new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err));
        int exit = new Delivery(req, msg, System.getenv(), QmailHome.current(), report).run();
        Exit.now(exit);
    }
}
