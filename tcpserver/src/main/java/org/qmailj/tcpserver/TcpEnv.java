package org.qmailj.tcpserver;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.qmailj.common.Exit;
import org.qmailj.common.cli.Args;
import org.qmailj.common.cli.Getopt;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.sys.TcpSocket;

/**
 * tcp-env - sets up TCP-related environment variables (qmail's tcp-env(1)) from the socket
 * on descriptor 0, then runs the program (same pid). If PROTO is already TCP (under
 * tcpserver) it changes nothing. As qmail's, every failure (descriptor 0 not a TCP socket,
 * no program) exits 111 silently; an unknown option is reported and ignored.
 */
public final class TcpEnv {
    private TcpEnv() {
    }

    /** -r/-R (TCPREMOTEINFO or not) and -t (seconds for the ident connection), then the program. */
    record Options(boolean remoteInfo, int timeout, List<String> program) {
        static Options parse(List<String> args, java.io.PrintStream err) {
            boolean r = true;
            int t = 30;
            String[] a = args.toArray(String[]::new);
            int i = 0;
            while (true) {
                Getopt g = new Getopt(java.util.Arrays.copyOfRange(a, i, a.length), "rRt:");
                try {
                    int c;
                    while ((c = g.next()) != -1) {
                        switch (c) {
                            case 'r' -> r = true;
                            case 'R' -> r = false;
                            default -> t = scanUlong(g.arg());
                        }
                    }
                    return new Options(r, t, List.copyOf(g.rest()));
                } catch (Args.UsageException e) {
                    // sgetopt reports the option and goes on with the next argument.
                    if (err != null) err.print("tcp-env: " + e.getMessage() + "\n");
                    i = a.length - g.rest().size() + 1;
                    if (i > a.length) return new Options(r, t, List.of());
                }
            }
        }
    }

    private static int scanUlong(String s) {
        int n = 0;
        for (int i = 0; i < s.length() && Character.isDigit(s.charAt(i)) && n < 100_000_000; i++) n = n * 10 + s.charAt(i) - '0';
        return n;
    }

    public static void main(String[] args) {
        Options o = Options.parse(List.of(args), System.err);
        if (o.program().isEmpty()) Exit.now(111);
        Map<String, String> env = new HashMap<>(System.getenv());
        if (!"TCP".equals(env.get("PROTO"))) {
            try {
                TcpSocket.Endpoint local = TcpSocket.localEndpoint(0);
                TcpSocket.Endpoint remote = TcpSocket.remoteEndpoint(0);
                Conn conn = new Conn(local.ipString(), local.port(), Lookups.hostName(local.ip(), false),
                        remote.ipString(), remote.port(), Lookups.hostName(remote.ip(), false),
                        o.remoteInfo() ? Lookups.ident(local.ipString(), local.port(), remote.ipString(), remote.port(),
                                o.timeout()) : null);
                env = conn.environment(env, Map.of());
            } catch (SysException | RuntimeException e) {
                Exit.now(111);
            }
        }
        Exec.run("tcp-env", o.program(), env);
    }
}
