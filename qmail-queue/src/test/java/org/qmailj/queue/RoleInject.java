package org.qmailj.queue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueClients;
import org.qmailj.common.queue.QueueResult;

/**
 * Injects one message the way qmail-smtpd (role qmaild), qmail-send's bounces (qmails) or
 * qmail-local's forwards (alias) do: {@code QueueClients.standard(home, env, ROLE)}. Prints
 * the exit code and report. Usage: RoleInject ROLE SENDER RECIPIENT BODY
 */
public final class RoleInject {
    private RoleInject() {}

    public static void main(String[] args) throws Exception {
        QueueClient q = QueueClients.standard(QmailHome.current(), Map.of(), args[0]);
        QueueResult r;
        try (QueueClient.Session s = q.open()) {
            s.message().write(args[3].getBytes(StandardCharsets.ISO_8859_1));
            r = s.commit(new Envelope(args[1], List.of(args[2])));
        }
        System.out.println("exit " + r.exit() + " " + r.report());
    }
}
