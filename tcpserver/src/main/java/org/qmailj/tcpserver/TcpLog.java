package org.qmailj.tcpserver;

import java.io.PrintStream;

/**
 * tcpserver's lines on descriptor 2, in ucspi-tcp's words: {@code tcpserver: status: 1/40},
 * {@code tcpserver: pid N from IP}, {@code tcpserver: ok N LOCALHOST:LOCALIP:LOCALPORT
 * REMOTEHOST:REMOTEIP:REMOTEINFO:REMOTEPORT}, {@code tcpserver: deny ...},
 * {@code tcpserver: end N status S}. Variable parts pass through safecats (bytes outside
 * 33..126, {@code %} and {@code :} become {@code ?}, at most 100 bytes then "...").
 * Thread-safe: each line is one write.
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
        if (verbose()) line("tcpserver: status: " + children + "/" + limit);
    }

    void pid(long n, String remoteip) {
        if (verbose()) line("tcpserver: pid " + n + " from " + remoteip);
    }

    void decision(boolean deny, long n, Conn c) {
        if (!verbose()) return;
        line("tcpserver: " + (deny ? "deny" : "ok") + " " + n + " " + safe(c.localHost()) + ":" + safe(c.localIp()) + ":"
                + c.localPort() + " " + safe(c.remoteHost()) + ":" + safe(c.remoteIp()) + ":" + safe(c.remoteInfo())
                + ":" + c.remotePort());
    }

    void end(long n, int wstat) {
        if (verbose()) line("tcpserver: end " + n + " status " + wstat);
    }

    void warn(String text) {
        if (verbosity >= 1) line("tcpserver: warning: " + text);
    }

    /** Where /metrics listens (the port chosen when the address said 0). */
    void metrics(String address) {
        if (verbosity >= 1) line("tcpserver: metrics on " + address);
    }

    void fatal(String text) {
        if (verbosity >= 1) line("tcpserver: fatal: " + text);
    }

    private void line(String s) {
        err.print(s + "\n");
        err.flush();
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
