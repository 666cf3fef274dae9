package org.qmailj.supervise.tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.cli.SoftlimitOptions;
import org.qmailj.common.cli.SoftlimitOptions.Resource;
import org.qmailj.common.sys.Rlimit;
import org.qmailj.common.sys.SysException;

/**
 * softlimit - runs another program with new resource limits (softlimit(8)).
 *
 * <p>Options {@code -a -c -d -f -l -m -o -p -r -s -t} take a number or {@code =} (soft limit
 * equal to the hard limit); a number above the hard limit is lowered to it. Only soft limits
 * change.
 *
 * <p>The limits are applied by exec'ing util-linux's {@code prlimit} (same pid) in front of
 * child: a memory limit such as qmail's usual {@code -m 2000000} set on this JVM itself
 * would make the JVM's own next allocation fail before it could exec child. Without
 * /usr/bin/prlimit, limits are set here and child exec'd directly.
 */
public final class Softlimit {
    private static final String PROG = "softlimit";
    private static final Path PRLIMIT = Path.of("/usr/bin/prlimit");

    private Softlimit() {
    }

    public static void main(String[] args) {
        SoftlimitOptions parsed;
        try {
            parsed = SoftlimitOptions.parse(Arrays.asList(args));
        } catch (SoftlimitOptions.UsageError e) {
            if (e.detail != null) System.err.println(e.detail);
            PathExec.usage(SoftlimitOptions.USAGE);
            return;
        }
        Map<Resource, String> wanted = parsed.limits();
        List<String> child = parsed.child();
        Map<Resource, Long> soft = new LinkedHashMap<>();
        for (var e : wanted.entrySet()) {
            try {
                Rlimit.Limit l = Rlimit.get(e.getKey().resource());
                long v;
                if (e.getValue().equals("=")) {
                    v = l.hard();
                } else {
                    v = SoftlimitOptions.number(e.getValue());
                    if (l.hard() != Rlimit.INFINITY && Long.compareUnsigned(v, l.hard()) > 0) {
                        v = l.hard();
                    }
                }
                soft.put(e.getKey(), v);
            } catch (SysException ex) {
                PathExec.fatal(PROG, "getrlimit failed: " + ErrorStr.of(ex));
            }
        }
        if (soft.isEmpty()) {
            PathExec.run(PROG, child, System.getenv());
        }
        if (Files.isExecutable(PRLIMIT)) {
            List<String> argv = new ArrayList<>(List.of(PRLIMIT.toString()));
            soft.forEach((r, v) -> argv.add("--" + r.prlimit() + "="
                    + (v == Rlimit.INFINITY ? "unlimited" : Long.toUnsignedString(v)) + ":"));
            argv.add("--");
            argv.addAll(child);
            PathExec.run(PROG, argv, System.getenv());
        }
        for (var e : soft.entrySet()) {
            try {
                Rlimit.Limit l = Rlimit.get(e.getKey().resource());
                Rlimit.set(e.getKey().resource(), new Rlimit.Limit(e.getValue(), l.hard()));
            } catch (SysException ex) {
                PathExec.fatal(PROG, "setrlimit failed: " + ErrorStr.of(ex));
            }
        }
        PathExec.run(PROG, child, System.getenv());
    }
}
