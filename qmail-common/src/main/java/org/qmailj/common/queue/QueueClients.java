package org.qmailj.common.queue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.qmailj.common.QmailHome;

/**
 * Picks the queue client an injector uses: the program named by $QMAILQUEUE when that is set
 * (netqmail; it runs with the message on fd 0 and the envelope on fd 1); otherwise the queue
 * writer daemon on {@code queue/lock/qmail-queue.sock} when it answers; otherwise a
 * QMAIL_HOME/bin/qmail-queue process (which writes directly when its caller owns the queue).
 * The choice between the socket and the program is made again at every {@link QueueClient#open()}.
 */
public final class QueueClients {
    private QueueClients() {}

    /**
     * For a one-message program, first thing in main: when {@link #standard} will try the
     * writer's socket ($QMAILQUEUE unset), readies the socket classes on a thread of their own
     * ({@link SocketWarmup}) while the caller goes on.
     */
    public static void warmUp(QmailHome home, Map<String, String> env) {
        String q = env.get("QMAILQUEUE");
        if (q == null || q.isEmpty()) SocketWarmup.start(WriterProtocol.socket(new QueueLayout(home.queue())));
    }

    public static QueueClient standard(QmailHome home, Map<String, String> env) {
        return standard(home, env, null);
    }

    /**
     * As {@link #standard(QmailHome, Map)}, naming the caller's role ("alias" for qmail-local,
     * "qmaild" for network servers, "qmails" for bounces) for the Received line of sandbox
     * installs, where one uid plays every role.
     */
    public static QueueClient standard(QmailHome home, Map<String, String> env, String role) {
        String q = env.get("QMAILQUEUE");
        if (q != null && !q.isEmpty()) return new ProcessQueueClient(List.of(q), env);
        SocketQueueClient socket = new SocketQueueClient(
                WriterProtocol.socket(new QueueLayout(home.queue())), role, 30_000);
        ProcessQueueClient process = new ProcessQueueClient(List.of(home.bin().resolve("qmail-queue").toString()), env);
        return () -> {
            try {
                return socket.open();
            } catch (IOException e) {
                return process.open();
            }
        };
    }
}
