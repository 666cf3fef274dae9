package org.qmailj.tcpserver;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qmailj.common.sys.Spawn;

/** How tcpserver and tcpclient read their host, port and program arguments. */
final class Names {
    private Names() { }

    /** pathexec's PATH search: a name with a slash is used as it is. */
    static String findProgram(String prog, String pathVar) throws IOException {
        return Spawn.findProgram(prog, pathVar).orElseThrow(() -> new IOException("file does not exist"));
    }

    /** "0" is every local address; else a dotted-decimal address or a name's first IPv4 address. */
    static byte[] resolveHost(String host) throws IOException {
        if (host.equals("0")) return new byte[4];
        for (InetAddress a : InetAddress.getAllByName(host)) {
            if (a.getAddress().length == 4) return a.getAddress();
        }
        throw new IOException("no IP address for " + host);
    }

    /** A number, or a name from /etc/services (tcp). */
    static int resolvePort(String port) throws IOException {
        if (port.chars().allMatch(Character::isDigit) && !port.isEmpty()) return Integer.parseInt(port);
        try {
            for (String line : Files.readAllLines(Path.of("/etc/services"), StandardCharsets.ISO_8859_1)) {
                String[] f = line.replaceAll("#.*", "").trim().split("\\s+");
                if (f.length < 2 || !f[1].endsWith("/tcp")) continue;
                for (int i = 0; i < f.length; i++) {
                    if (i != 1 && f[i].equals(port)) return Integer.parseInt(f[1].substring(0, f[1].indexOf('/')));
                }
            }
        } catch (IOException e) {
            // fall through
        }
        throw new IOException("unable to figure out port number for " + port);
    }
}
