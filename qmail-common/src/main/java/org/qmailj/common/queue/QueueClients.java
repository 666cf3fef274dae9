package org.qmailj.common.queue;

import java.util.List;
import java.util.Map;
import org.qmailj.common.QmailHome;

/**
 * Picks the queue client an injector uses, as qmail.c does: the program named by $QMAILQUEUE
 * when that is set (netqmail), otherwise QMAIL_HOME/bin/qmail-queue.
 */
public final class QueueClients {
    private QueueClients() {}

    public static QueueClient standard(QmailHome home, Map<String, String> env) {
        String q = env.get("QMAILQUEUE");
        String program = q != null && !q.isEmpty() ? q : home.bin().resolve("qmail-queue").toString();
        return new ProcessQueueClient(List.of(program), env);
    }
}
