package org.qmailj.tcpserver;

import java.util.List;
import java.util.Optional;

/**
 * tcp-env(1) in-process. Under tcpserver PROTO is TCP, and then tcp-env changes nothing; if a
 * stage before it removed PROTO, it sets the variables again from what tcpserver found out
 * about the connection (with TCPREMOTEINFO only if tcpserver asked for it).
 */
public final class TcpEnvStage implements Wrapper {
    @Override
    public String name() {
        return "tcp-env";
    }

    @Override
    public Optional<Parsed> parse(List<String> argv) {
        TcpEnv.Options o = TcpEnv.Options.parse(argv.subList(1, argv.size()), null);
        if (o.program().isEmpty()) return Optional.empty();
        Stage stage = (c, next) -> {
            if (!"TCP".equals(c.env.get("PROTO"))) c.env = c.conn.environment(c.env, java.util.Map.of());
            return next.run(c);
        };
        return Optional.of(new Parsed(stage, o.program()));
    }
}
