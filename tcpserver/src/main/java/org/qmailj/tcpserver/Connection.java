package org.qmailj.tcpserver;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.qmailj.smtpd.Wire;

/**
 * One in-process connection as the stages of its chain see it: its number (the "pid" of
 * tcpserver's log lines), what tcpserver found out about it, its environment (stages may
 * change it, as an exec'ed program's would be) and its wire (stages may wrap it).
 */
public final class Connection {
    final long id;
    final Conn conn;
    Map<String, String> env;
    Wire wire;
    private final PrintStream err;

    Connection(long id, Conn conn, Map<String, String> env, Wire wire, PrintStream err) {
        this.id = id;
        this.conn = conn;
        this.env = env;
        this.wire = wire;
        this.err = err;
    }

    /** A line on tcpserver's descriptor 2, written at once. */
    void line(String s) {
        bytes((s + "\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Bytes on tcpserver's descriptor 2 in one write, so lines of connections do not mix. */
    void bytes(byte[] b) {
        synchronized (err) {
            err.write(b, 0, b.length);
            err.flush();
        }
    }
}
