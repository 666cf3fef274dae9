package org.qmailj.tcpserver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qmailj.common.cli.Args;
import org.qmailj.common.cli.Getopt;

/**
 * rblsmtpd's options and its decision (ucspi-tcp 0.88's rblsmtpd.c, as Debian ships it: no
 * default RBL). $RBLSMTPD decides first (empty: accept; "-text": 553 text; "text": 451 text);
 * then -r and -a are asked in command-line order until one lists or anti-lists the client,
 * with the -b/-B and -c/-C that precede each. Shared by the rblsmtpd program and
 * tcpserver's in-process stage; one instance per command line, used by every connection.
 */
final class Rbl {
    static final String USAGE = "rblsmtpd: usage: rblsmtpd [ -b ] [ -R ] [ -t timeout ] [ -r base ] [ -a base ] smtpd [ arg ... ]";

    /** One option, replayed in order for each connection. */
    private record Action(char option, String arg) {
    }

    private final List<Action> actions;
    final long timeout;
    final List<String> program;

    private Rbl(List<Action> actions, long timeout, List<String> program) {
        this.actions = actions;
        this.timeout = timeout;
        this.program = program;
    }

    /** The parsed command line (argv without the program name), or the usage error's line. */
    record Parsed(Optional<Rbl> rbl, String error) {
    }

    static Parsed parse(List<String> args) {
        Getopt g = new Getopt(args.toArray(String[]::new), "bBcCt:r:a:");
        List<Action> actions = new ArrayList<>();
        long timeout = 60;
        try {
            int c;
            while ((c = g.next()) != -1) {
                if (c == 't') {
                    timeout = scanUlong(g.arg());
                } else {
                    actions.add(new Action((char) c, g.arg()));
                }
            }
        } catch (Args.UsageException e) {
            return new Parsed(Optional.empty(), "rblsmtpd: " + e.getMessage());
        }
        if (g.rest().isEmpty()) return new Parsed(Optional.empty(), null);
        return new Parsed(Optional.of(new Rbl(List.copyOf(actions), timeout, List.copyOf(g.rest()))), null);
    }

    /** djb's scan_ulong: the leading digits, 0 if none. */
    private static long scanUlong(String s) {
        long n = 0;
        for (int i = 0; i < s.length() && Character.isDigit(s.charAt(i)); i++) {
            n = n * 10 + (s.charAt(i) - '0');
            if (n > 100_000_000L) n = 100_000_000L;
        }
        return n;
    }

    /** The outcome for one client: blocked (with the reply it gets to every command) or not. */
    record Decision(boolean blocked, String message, String ip) {
    }

    Decision decide(Map<String, String> env, RblDns.Lookup dns) {
        String ip = env.getOrDefault("TCPREMOTEIP", "");
        int decision = 0; // 0 undecided; 1 accept; 2 reject (451); 3 bounce (553)
        String text = "";
        boolean mustNotBounce = false;
        String x = env.get("RBLSMTPD");
        if (x != null) {
            if (x.isEmpty()) {
                decision = 1;
            } else if (x.charAt(0) == '-') {
                text = x.substring(1);
                decision = 3;
            } else {
                text = x;
                decision = 2;
            }
        }
        boolean rblBounce = false;
        boolean failClosed = false;
        String reverse = reverse(ip);
        for (Action a : actions) {
            switch (a.option()) {
                case 'b' -> rblBounce = true;
                case 'B' -> rblBounce = false;
                case 'c' -> failClosed = true;
                case 'C' -> failClosed = false;
                case 'r' -> {
                    if (decision != 0) break;
                    String t = dns.txt(reverse + a.arg());
                    if (t == null) {
                        mustNotBounce = true;
                        if (failClosed) {
                            text = "temporary RBL lookup error";
                            decision = 2;
                        }
                        break;
                    }
                    text = t;
                    if (!t.isEmpty()) decision = rblBounce ? 3 : 2;
                }
                default -> { // 'a'
                    if (decision != 0) break;
                    Boolean listed = dns.a(reverse + a.arg());
                    if (listed == null) {
                        mustNotBounce = true;
                        if (!failClosed) decision = 1;
                        break;
                    }
                    if (listed) decision = 1;
                }
            }
        }
        if (decision < 2) return new Decision(false, null, ip);
        String code = mustNotBounce || decision == 2 ? "451 " : "553 ";
        if (text.length() > 200) text = text.substring(0, 200);
        StringBuilder m = new StringBuilder(code).append(text);
        for (int i = 0; i < m.length(); i++) {
            char ch = m.charAt(i);
            if (ch < 32 || ch > 126) m.setCharAt(i, '?');
        }
        return new Decision(true, m.toString(), ip);
    }

    /** djb's ip_init: "1.2.3.4" becomes "4.3.2.1." (any dotted string, reversed by dots). */
    static String reverse(String ip) {
        StringBuilder b = new StringBuilder();
        int i = ip.length();
        while (i > 0) {
            int j = i;
            while (j > 0 && ip.charAt(j - 1) != '.') j--;
            b.append(ip, j, i).append('.');
            if (j == 0) break;
            i = j - 1;
        }
        return b.toString();
    }
}
