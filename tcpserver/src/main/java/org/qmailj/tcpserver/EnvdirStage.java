package org.qmailj.tcpserver;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qmailj.common.EnvDir;

/**
 * envdir(8) in-process: reads the directory for each connection, as an exec'ed envdir would
 * (so a changed file takes effect at the next connection), and changes that connection's
 * environment. A failure is envdir's line on tcpserver's stderr and exit 111, nothing sent.
 */
public final class EnvdirStage implements Wrapper {
    @Override
    public String name() {
        return "envdir";
    }

    @Override
    public Optional<Parsed> parse(List<String> argv) {
        if (argv.size() < 3) return Optional.empty();
        String dir = argv.get(1);
        Stage stage = (c, next) -> {
            Map<String, String> env = new HashMap<>(c.env);
            try {
                EnvDir.apply(dir, env);
            } catch (EnvDir.Failure e) {
                c.line("envdir: fatal: " + e.getMessage());
                return 111;
            }
            c.env = env;
            return next.run(c);
        };
        return Optional.of(new Parsed(stage, argv.subList(2, argv.size())));
    }
}
