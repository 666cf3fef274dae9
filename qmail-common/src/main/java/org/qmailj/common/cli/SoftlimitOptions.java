package org.qmailj.common.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qmailj.common.sys.Rlimit;

/**
 * softlimit(8)'s command line, shared by the softlimit program (supervise) and tcpserver's
 * in-process softlimit stage: options {@code -a -c -d -f -l -m -o -p -r -s -t}, each with a
 * number or {@code =}, then the child. {@code -m} sets data, stack, memlock and address space.
 */
public record SoftlimitOptions(Map<Resource, String> limits, List<String> child) {
    public static final String USAGE = "softlimit: usage: softlimit [-a allbytes] [-c corebytes] "
            + "[-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] [-o openfiles] "
            + "[-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child";

    /** A resource limit and its name for util-linux's prlimit. */
    public record Resource(int resource, String prlimit) {
    }

    public static final Resource AS = new Resource(Rlimit.RLIMIT_AS, "as");
    public static final Resource CORE = new Resource(Rlimit.RLIMIT_CORE, "core");
    public static final Resource DATA = new Resource(Rlimit.RLIMIT_DATA, "data");
    public static final Resource FSIZE = new Resource(Rlimit.RLIMIT_FSIZE, "fsize");
    public static final Resource MEMLOCK = new Resource(Rlimit.RLIMIT_MEMLOCK, "memlock");
    public static final Resource NOFILE = new Resource(Rlimit.RLIMIT_NOFILE, "nofile");
    public static final Resource NPROC = new Resource(Rlimit.RLIMIT_NPROC, "nproc");
    public static final Resource RSS = new Resource(Rlimit.RLIMIT_RSS, "rss");
    public static final Resource STACK = new Resource(Rlimit.RLIMIT_STACK, "stack");
    public static final Resource CPU = new Resource(Rlimit.RLIMIT_CPU, "cpu");

    /**
     * A usage error: {@code detail} is getopt's line ("illegal option -- x") or null; the
     * program prints it, then {@link #USAGE}, and exits 100.
     */
    public static final class UsageError extends Exception {
        public final String detail;

        UsageError(String detail) {
            super(detail == null ? USAGE : detail);
            this.detail = detail;
        }
    }

    /** The options in order (a later one for the same resource wins) and the child. */
    public static SoftlimitOptions parse(List<String> args) throws UsageError {
        Map<Resource, String> wanted = new LinkedHashMap<>();
        int i = 0;
        for (; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                i++;
                break;
            }
            if (a.length() < 2 || a.charAt(0) != '-') {
                break;
            }
            char c = a.charAt(1);
            List<Resource> res = switch (c) {
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
            if (res == null) throw new UsageError("softlimit: illegal option -- " + c);
            String value;
            if (a.length() > 2) {
                value = a.substring(2);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageError("softlimit: option requires an argument -- " + c);
            }
            if (!value.equals("=") && !value.matches("\\d+")) throw new UsageError(null);
            for (Resource r : res) wanted.put(r, value);
        }
        if (i >= args.size()) throw new UsageError(null);
        return new SoftlimitOptions(wanted, List.copyOf(args.subList(i, args.size())));
    }

    /** A value as a limit: digits, or {@link Rlimit#INFINITY} when too large for 64 bits. */
    public static long number(String s) {
        try {
            return Long.parseUnsignedLong(s);
        } catch (NumberFormatException e) {
            return Rlimit.INFINITY;
        }
    }
}
