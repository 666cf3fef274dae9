package org.qmailj.supervise.tools;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.qmailj.common.EnvDir;

/**
 * envdir - runs another program with environment modified according to files in a specified
 * directory (envdir(8)); the reading is {@link EnvDir}'s, shared with tcpserver's in-process
 * envdir. Then execs child.
 */
public final class Envdir {
    private static final String PROG = "envdir";

    private Envdir() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            // daemontools' envdir exits 111 here, not 100 as the others do.
            PathExec.fatal0("envdir: usage: envdir dir child");
        }
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        try {
            EnvDir.apply(args[0], env);
        } catch (EnvDir.Failure e) {
            PathExec.fatal(PROG, e.getMessage());
        }
        PathExec.run(PROG, Arrays.asList(args).subList(1, args.length), env);
    }
}
