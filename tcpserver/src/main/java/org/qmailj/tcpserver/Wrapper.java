package org.qmailj.tcpserver;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A program that sets something up and then runs another (rblsmtpd, recordio, softlimit,
 * envdir, tcp-env), which tcpserver runs as an in-process stage of a connection's chain
 * instead of exec'ing it. Implementations are found through {@link java.util.ServiceLoader}
 * (META-INF/services), so a stage is added without touching tcpserver.
 */
public interface Wrapper {
    /** The program it stands for: the last component of the program argument. */
    String name();

    /**
     * Parses the program's arguments ({@code argv.get(0)} is the program itself), once at
     * start-up. Empty when the program would refuse them (a usage error): tcpserver then
     * execs the chain per connection, so the program itself reports it, as without stages.
     */
    Optional<Parsed> parse(List<String> argv);

    /** The configured stage and the program it runs next, with its arguments. */
    record Parsed(Stage stage, List<String> child) {
    }

    /** One connection's part of the chain. Stages are shared by every connection's thread. */
    interface Stage {
        /**
         * Does this program's work for one connection: may change {@code c.env}, wrap
         * {@code c.wire}, answer the client itself, and calls {@code next} to run the child.
         *
         * @return the exit code the program would have had
         */
        int run(Connection c, Next next) throws IOException;
    }

    /** The rest of the chain. */
    interface Next {
        int run(Connection c) throws IOException;
    }
}
