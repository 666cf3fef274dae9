package org.qmailj.tcpserver;

import org.qmailj.common.cli.Args;
import org.qmailj.common.cli.Getopt;

import java.util.List;
import java.util.Optional;

/**
 * tcpserver's command line (tcpserver(1)): getopt-style options, then host, port and the
 * program with its arguments.
 */
public record ServerOptions(
        int verbosity,
        int limit,
        Optional<String> rules,
        boolean allowNoRules,
        Optional<String> banner,
        Optional<Integer> gid,
        Optional<Integer> uid,
        boolean printPort,
        int backlog,
        boolean noDelay,
        boolean lookupRemoteHost,
        boolean paranoid,
        Optional<String> localName,
        boolean lookupRemoteInfo,
        int identTimeout,
        String host,
        String port,
        List<String> program) {

    static final String USAGE = "tcpserver: usage: tcpserver [ -1UXpPhHrRoOdDqQv ] [ -c limit ] [ -x rules.cdb ] "
            + "[ -B banner ] [ -g gid ] [ -u uid ] [ -b backlog ] [ -l localname ] [ -t timeout ] host port program";

    static final class UsageException extends Exception {
        UsageException(String message) { super(message); }
    }

    static ServerOptions parse(List<String> args, java.util.Map<String, String> env) throws UsageException {
        int verbosity = 1;
        int limit = 40;
        String rules = null;
        boolean allowNoRules = false;
        String banner = null;
        Integer gid = null;
        Integer uid = null;
        boolean printPort = false;
        int backlog = 20;
        boolean noDelay = false;
        boolean h = true;
        boolean p = false;
        String local = null;
        boolean r = true;
        int t = 26;
        Getopt g = new Getopt(args.toArray(String[]::new), "qQvc:x:XB:g:u:U1b:dDhHpPl:rRt:oO");
        try {
            int c;
            while ((c = g.next()) != -1) {
                String val = g.arg();
                switch (c) {
                    case 'q' -> verbosity = 0;
                    case 'Q' -> verbosity = 1;
                    case 'v' -> verbosity = 2;
                    case 'c' -> limit = positive(val);
                    case 'x' -> rules = val;
                    case 'X' -> allowNoRules = true;
                    case 'B' -> banner = val;
                    case 'g' -> gid = number(val);
                    case 'u' -> uid = number(val);
                    case 'U' -> {
                        gid = env.containsKey("GID") ? number(env.get("GID")) : gid;
                        uid = env.containsKey("UID") ? number(env.get("UID")) : uid;
                    }
                    case '1' -> printPort = true;
                    case 'b' -> backlog = number(val);
                    case 'd' -> noDelay = false;
                    case 'D' -> noDelay = true;
                    case 'h' -> h = true;
                    case 'H' -> h = false;
                    case 'p' -> p = true;
                    case 'P' -> p = false;
                    case 'l' -> local = val;
                    case 'r' -> r = true;
                    case 'R' -> r = false;
                    case 't' -> t = number(val);
                    default -> { } // -o, -O: accepted, ignored
                }
            }
        } catch (Args.UsageException e) {
            throw new UsageException(USAGE);
        }
        args = g.rest();
        int i = 0;
        if (args.size() - i < 3) throw new UsageException(USAGE);
        return new ServerOptions(verbosity, limit, Optional.ofNullable(rules), allowNoRules, Optional.ofNullable(banner),
                Optional.ofNullable(gid), Optional.ofNullable(uid), printPort, backlog, noDelay, h, p,
                Optional.ofNullable(local), r, t, args.get(i), args.get(i + 1), List.copyOf(args.subList(i + 2, args.size())));
    }

    private static int number(String s) throws UsageException {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new UsageException(USAGE);
        }
    }

    private static int positive(String s) throws UsageException {
        int n = number(s);
        if (n < 1) throw new UsageException(USAGE);
        return n;
    }
}
