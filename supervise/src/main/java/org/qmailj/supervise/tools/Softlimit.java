package org.qmailj.supervise.tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qmailj.common.ErrorStr;
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
    private static final String USAGE = "softlimit: usage: softlimit [-a allbytes] [-c corebytes] "
            + "[-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] [-o openfiles] "
            + "[-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child";
    private static final Path PRLIMIT = Path.of("/usr/bin/prlimit");

    private Softlimit() {
    }

    /** A resource and its prlimit option name. */
    private record Res(int resource, String prlimit) {
    }

    private static final Res AS = new Res(Rlimit.RLIMIT_AS, "as");
    private static final Res CORE = new Res(Rlimit.RLIMIT_CORE, "core");
    private static final Res DATA = new Res(Rlimit.RLIMIT_DATA, "data");
    private static final Res FSIZE = new Res(Rlimit.RLIMIT_FSIZE, "fsize");
    private static final Res MEMLOCK = new Res(Rlimit.RLIMIT_MEMLOCK, "memlock");
    private static final Res NOFILE = new Res(Rlimit.RLIMIT_NOFILE, "nofile");
    private static final Res NPROC = new Res(Rlimit.RLIMIT_NPROC, "nproc");
    private static final Res RSS = new Res(Rlimit.RLIMIT_RSS, "rss");
    private static final Res STACK = new Res(Rlimit.RLIMIT_STACK, "stack");
    private static final Res CPU = new Res(Rlimit.RLIMIT_CPU, "cpu");

    public static void main(String[] args) {
        Map<Res, String> wanted = new LinkedHashMap<>();
        int i = 0;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                i++;
                break;
            }
            if (a.length() < 2 || a.charAt(0) != '-') {
                break;
            }
            int k = 1;
            while (k < a.length()) {
                char c = a.charAt(k++);
                List<Res> res = switch (c) {
                    case 'a' -> List.of(AS);
                    case 'c' -> List.of(CORE);
                    case 'd' -> List.of(DATA);
                    case 'f' -> List.of(FSIZE);
                    case 'l' -> List.of(MEMLOCK);
                    case 'm' -> List.of(DATA, STACK, MEMLOCK, AS);
                    case 'o' -> List.of(NOFILE);
                    case 'p' -> List.of(NPROC);
                    case 'r' -> List.of(RSS);
                    case 's' -> List.of(STACK);
                    case 't' -> List.of(CPU);
                    default -> null;
                };
                if (res == null) {
                    System.err.println("softlimit: illegal option -- " + c);
                    PathExec.usage(USAGE);
                    return;
                }
                String value;
                if (k < a.length()) {
                    value = a.substring(k);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    System.err.println("softlimit: option requires an argument -- " + c);
                    PathExec.usage(USAGE);
                    return;
                }
                if (!value.equals("=") && !value.matches("\\d+")) {
                    PathExec.usage(USAGE);
                }
                for (Res r : res) {
                    wanted.put(r, value);
                }
                break;
            }
        }
        if (i >= args.length) {
            PathExec.usage(USAGE);
        }
        List<String> child = Arrays.asList(args).subList(i, args.length);
        Map<Res, Long> soft = new LinkedHashMap<>();
        for (var e : wanted.entrySet()) {
            try {
                Rlimit.Limit l = Rlimit.get(e.getKey().resource());
                long v;
                if (e.getValue().equals("=")) {
                    v = l.hard();
                } else {
                    v = parse(e.getValue());
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

    private static long parse(String s) {
        try {
            return Long.parseUnsignedLong(s);
        } catch (NumberFormatException e) {
            return Rlimit.INFINITY;
        }
    }
}
