package org.qmailj.tcpserver;

import java.io.PrintStream;

/**
 * tcpserver's lines on descriptor 2, in ucspi-tcp's words: {@code tcpserver: status: 1/40},
 * {@code tcpserver: pid N from IP}, {@code tcpserver: ok N LOCALHOST:LOCALIP:LOCALPORT
 * REMOTEHOST:REMOTEIP:REMOTEINFO:REMOTEPORT}, {@code tcpserver: deny ...},
 * {@code tcpserver: end N status S}. Variable parts pass through safecats (bytes outside
 * 33..126, {@code %} and {@code :} become {@code ?}, at most 100 bytes then "...").
 * Thread-safe: each call is one write.
 */
final class TcpLog {
    private final PrintStream err;
    private final int verbosity;

    TcpLog(PrintStream err, int verbosity) {
        this.err = err;
        this.verbosity = verbosity;
    }

    boolean verbose() { return verbosity >= 2; }

    void status(int children, int limit) {
        lines(statusLine(children, limit));
    }

    String statusLine(int children, int limit) {
        return verbose() ? "tcpserver: status: " + children + "/" + limit : null;
    }

    String pidLine(long n, String remoteip) {
        return verbose() ? "tcpserver: pid " + n + " from " + remoteip : null;
    }

    String decisionLine(boolean deny, long n, Conn c) {
        if (!verbose()) return null;
        return "tcpserver: " + (deny ? "deny" : "ok") + " " + n + " " + safe(c.localHost()) + ":" + safe(c.localIp()) + ":"
                + c.localPort() + " " + safe(c.remoteHost()) + ":" + safe(c.remoteIp()) + ":" + safe(c.remoteInfo())
                + ":" + c.remotePort();
    }

    String endLine(long n, int wstat) {
        return verbose() ? "tcpserver: end " + n + " status " + wstat : null;
    }

    String warnLine(String text) {
        return verbosity >= 1 ? "tcpserver: warning: " + text : null;
    }

    /**
     * The given lines (null: not logged at this verbosity) in one write: a connection's
     * "pid" and "ok" lines, and its "end" and "status" lines, go out together, so they cannot
     * be split by another connection's and cost one system call (and, from a virtual thread,
     * one hand-off to a compensating carrier) instead of two.
     */
    void lines(String... lines) {
        StringBuilder b = null;
        for (String l : lines) {
            if (l == null) continue;
            if (b == null) b = new StringBuilder(160);
            b.append(l).append('\n');
        }
        if (b == null) return;
        err.print(b);
        err.flush();
    }

    void warn(String text) {
        lines(warnLine(text));
    }

    /** Where /metrics listens (the port chosen when the address said 0). */
    void metrics(String address) {
        if (verbosity >= 1) lines("tcpserver: metrics on " + address);
    }

    void fatal(String text) {
        if (verbosity >= 1) lines("tcpserver: fatal: " + text);
    }

    static String safe(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (i == 100) return b.append("...").toString();
            char ch = s.charAt(i);
            if (ch < 33 || ch > 126 || ch == '%' || ch == ':') ch = '?';
            b.append(ch);
        }
        return b.toString();
    }
}
