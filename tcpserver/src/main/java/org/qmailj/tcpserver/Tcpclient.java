package org.qmailj.tcpserver;

import org.qmailj.common.cli.Args;
import org.qmailj.common.cli.Getopt;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qmailj.common.Exit;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.SysException;
import org.qmailj.common.sys.TcpSocket;

/**
 * tcpclient - creates an outgoing TCP connection (tcpclient(1)), then execs the program
 * with descriptor 6 reading from the network and 7 writing to it, and the tcp-environ(5)
 * variables set. Options: -q -Q -v, -T x+y, -i localip, -p localport, -d -D, -h -H,
 * -l localname, -r -R, -t n. Failing to connect exits 111; bad usage 100. -v also says
 * "tcpclient: connected to IP port N" once connected, as Debian's tcpclient does; -q says nothing.
 */
public final class Tcpclient {
    private static final String BASH = "/bin/bash";
    static final String USAGE = "tcpclient: usage: tcpclient [ -hHrRdDqQv ] [ -i localip ] [ -p localport ] "
            + "[ -T timeoutconn ] [ -l localname ] [ -t timeoutinfo ] host port program";

    private Tcpclient() { }

    public static void main(String[] args) {
        Exit.now(run(List.of(args), System.getenv()));
    }

    static int run(List<String> args, Map<String, String> baseEnv) {
        int verbosity = 1;
        int x = 2;
        int y = 58;
        String localIp = null;
        int localPort = 0;
        boolean noDelay = false;
        boolean h = true;
        String localName = null;
        boolean r = true;
        int t = 26;
        Getopt g = new Getopt(args.toArray(String[]::new), "qQvT:i:p:dDhHl:rRt:");
        try {
            int c;
            while ((c = g.next()) != -1) {
                String val = g.arg();
                switch (c) {
                    case 'q' -> verbosity = 0;
                    case 'Q' -> verbosity = 1;
                    case 'v' -> verbosity = 2;
                    case 'T' -> {
                        int plus = val.indexOf('+');
                        x = Integer.parseInt(plus < 0 ? val : val.substring(0, plus));
                        y = plus < 0 ? 0 : Integer.parseInt(val.substring(plus + 1));
                    }
                    case 'i' -> localIp = val;
                    case 'p' -> localPort = Names.resolvePort(val);
                    case 'd' -> noDelay = false;
                    case 'D' -> noDelay = true;
                    case 'h' -> h = true;
                    case 'H' -> h = false;
                    case 'l' -> localName = val;
                    case 'r' -> r = true;
                    case 'R' -> r = false;
                    default -> t = Integer.parseInt(val); // -t
                }
            }
        } catch (Args.UsageException | NumberFormatException | IOException e) {
            return usage();
        }
        args = g.rest();
        int i = 0;
        if (args.size() - i < 3) return usage();
        String host = args.get(i).equals("0") ? "127.0.0.1" : args.get(i);
        List<String> program = args.subList(i + 2, args.size());
        byte[] ip;
        int port;
        try {
            ip = Names.resolveHost(host);
            port = Names.resolvePort(args.get(i + 1));
        } catch (IOException e) {
            return fatal(verbosity, e.getMessage());
        }
        String ipString = new TcpSocket.Endpoint(ip, port).ipString();
        int fd;
        try {
            byte[] lip = localIp == null ? null : Names.resolveHost(localIp);
            try {
                fd = TcpSocket.connect(ip, port, lip, localPort, x * 1000);
            } catch (SysException e) {
                if (e.errno() != 110 || y <= 0) throw e;
                fd = TcpSocket.connect(ip, port, lip, localPort, y * 1000);
            }
            if (noDelay) TcpSocket.noDelay(fd);
        } catch (SysException e) {
            return fatal(verbosity, "unable to connect to " + ipString + " port " + port + ": " + reason(e.errno()));
        } catch (IOException e) {
            return fatal(verbosity, e.getMessage());
        }
        if (verbosity >= 2) System.err.print("tcpclient: connected to " + ipString + " port " + port + "\n");
        try {
            TcpSocket.Endpoint local = TcpSocket.localEndpoint(fd);
            TcpSocket.Endpoint remote = new TcpSocket.Endpoint(ip, port);
            String lhost = localName != null ? localName : Lookups.hostName(local.ip(), false);
            String rhost = h ? Lookups.hostName(ip, false) : null;
            String info = r ? Lookups.ident(local.ipString(), local.port(), ipString, port, t) : null;
            Conn conn = new Conn(local.ipString(), local.port(), lhost, ipString, remote.port(), rhost, info);
            List<String> envp = new ArrayList<>();
            conn.environment(baseEnv, Map.of()).forEach((k, v) -> envp.add(k + "=" + v));
            String path = Names.findProgram(program.getFirst(), baseEnv.get("PATH"));
            // Descriptors 6 and 7 may belong to a JVM thread (a jar, a cleaner's stream) that
            // closes them between a dup2 here and execve: CI once saw the program's writes to 7
            // vanish. So only a fresh descriptor crosses execve, and bash, with no other thread
            // left, puts it on 6 and 7.
            int n = Fd.dup(fd);
            String moves = switch (n) {
                case 6 -> "7>&6";
                case 7 -> "6<&7";
                default -> "6<&" + n + " 7>&" + n + " " + n + ">&-";
            };
            List<String> argv = new ArrayList<>(List.of("bash", "-c", "exec " + moves + "; exec -a \"$1\" \"$0\" \"${@:2}\"", path));
            argv.addAll(program);
            System.out.flush();
            System.err.flush();
            Proc.execv(BASH, argv, envp);
            return 111;
        } catch (IOException e) {
            return fatal(verbosity, "unable to run " + program.getFirst() + ": " + e.getMessage());
        }
    }

    private static String reason(int errno) {
        return switch (errno) {
            case 111 -> "connection refused";
            case 110 -> "timed out";
            case 113 -> "host unreachable";
            case 101 -> "network unreachable";
            default -> "errno " + errno;
        };
    }

    private static int usage() {
        System.err.print(USAGE + "\n");
        return 100;
    }

    private static int fatal(int verbosity, String text) {
        if (verbosity >= 1) System.err.print("tcpclient: " + text + "\n");
        return 111;
    }
}
