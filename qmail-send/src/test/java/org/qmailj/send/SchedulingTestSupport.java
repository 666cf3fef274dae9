package org.qmailj.send;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.LinkedBlockingQueue;
import org.qmailj.clean.QmailCleanAccess;
import org.qmailj.common.sys.Fd;

/** Runs one {@link Cleanup} sweep at a chosen time against real qmail-clean code over pipes. */
final class SchedulingTestSupport {
    private SchedulingTestSupport() {}

    static int sweep(TestQueue tq, long now) throws IOException {
        Fd.Pipe toC = Fd.pipe();
        Fd.Pipe fromC = Fd.pipe();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                QmailCleanAccess.serve(tq.q, Fd.inputStream(toC.read()), Fd.outputStream(fromC.write()));
            } catch (IOException e) {
                // pipe closed
            }
        });
        CleanClient cc = new CleanClient(Fd.inputStream(fromC.read()), Fd.outputStream(toC.write()));
        cc.startReader(new LinkedBlockingQueue<>());
        int n = new Cleanup(tq.q, cc, new SendLog(OutputStream.nullOutputStream())).run(now);
        cc.close();
        return n;
    }
}
