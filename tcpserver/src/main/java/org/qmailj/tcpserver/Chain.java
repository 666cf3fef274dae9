package org.qmailj.tcpserver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.qmailj.common.QmailHome;

/**
 * A command line tcpserver can run in-process: known wrappers ({@link Wrapper}s, e.g.
 * {@code softlimit -m 30000000 envdir ./env rblsmtpd -r zen.example}) in front of a
 * {@link Builtin} (qmail-smtpd). Anything else, or a wrapper whose arguments it would refuse,
 * is no chain: tcpserver then execs the whole command line per connection, as ucspi-tcp does.
 */
final class Chain {
    private static final Map<String, Wrapper> WRAPPERS = load();

    private final List<Wrapper.Stage> stages;
    private final Builtin builtin;

    private Chain(List<Wrapper.Stage> stages, Builtin builtin) {
        this.stages = List.copyOf(stages);
        this.builtin = builtin;
    }

    private static Map<String, Wrapper> load() {
        Map<String, Wrapper> m = new HashMap<>();
        for (Wrapper w : ServiceLoader.load(Wrapper.class, Chain.class.getClassLoader())) m.put(w.name(), w);
        return Map.copyOf(m);
    }

    static Optional<Chain> parse(List<String> program) {
        List<Wrapper.Stage> stages = new ArrayList<>();
        List<String> rest = program;
        while (!rest.isEmpty()) {
            Optional<Builtin> b = Builtin.of(rest.getFirst());
            if (b.isPresent()) return Optional.of(new Chain(stages, b.get()));
            Wrapper w = WRAPPERS.get(base(rest.getFirst()));
            if (w == null) return Optional.empty();
            Optional<Wrapper.Parsed> p = w.parse(rest);
            if (p.isEmpty()) return Optional.empty();
            stages.add(p.get().stage());
            rest = p.get().child();
        }
        return Optional.empty();
    }

    static String base(String program) {
        return program.substring(program.lastIndexOf('/') + 1);
    }

    Builtin builtin() {
        return builtin;
    }

    int stages() {
        return stages.size();
    }

    /** Runs the connection through every stage, then the built-in program. */
    int run(Connection c, QmailHome home) throws IOException {
        return step(0, c, home);
    }

    private int step(int i, Connection c, QmailHome home) throws IOException {
        if (i == stages.size()) return builtin.session.serve(home, c.env, c.wire);
        return stages.get(i).run(c, next -> step(i + 1, next, home));
    }
}
