package org.qmailj.tcpserver;

import java.util.Map;
import java.util.Optional;
import org.qmailj.common.QmailHome;
import org.qmailj.smtpd.QmqpdSession;
import org.qmailj.smtpd.QmtpdSession;
import org.qmailj.smtpd.SmtpdSession;
import org.qmailj.smtpd.Wire;

/**
 * The programs tcpserver runs in-process, on a virtual thread per connection, instead of
 * spawning them: a fixed table from program name (the last component of the program
 * argument) to its session. Anything else is spawned per connection.
 */
enum Builtin {
    QMAIL_SMTPD("qmail-smtpd", SmtpdSession::serve),
    QMAIL_QMQPD("qmail-qmqpd", QmqpdSession::serve),
    QMAIL_QMTPD("qmail-qmtpd", QmtpdSession::serve);

    interface Session {
        /** Runs one connection; returns the exit code the standalone program would have. */
        int serve(QmailHome home, Map<String, String> env, Wire wire);
    }

    final String name;
    final Session session;

    Builtin(String name, Session session) {
        this.name = name;
        this.session = session;
    }

    static Optional<Builtin> of(String program) {
        String base = program.substring(program.lastIndexOf('/') + 1);
        for (Builtin b : values()) {
            if (b.name.equals(base)) return Optional.of(b);
        }
        return Optional.empty();
    }
}
