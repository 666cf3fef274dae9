package org.qmailj.clean;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.qmailj.common.queue.QueueLayout;

/** Lets qmail-send's tests run the real qmail-clean loop on a thread. */
public final class QmailCleanAccess {
    private QmailCleanAccess() {}

    public static void serve(QueueLayout q, InputStream in, OutputStream out) throws IOException {
        new QmailClean(q).serve(in, out);
    }
}
