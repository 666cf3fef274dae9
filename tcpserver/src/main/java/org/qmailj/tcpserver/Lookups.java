package org.qmailj.tcpserver;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The data tcpserver gathers per connection: host names from DNS (-h, -p, -l) and the
 * remote user from an RFC 1413 ident server (-r, -t). Called on the connection's thread.
 */
final class Lookups {
    private Lookups() { }

    /** The name for {@code ip}, lower-cased, or null; with paranoid, only if it maps back. */
    static String hostName(byte[] ip, boolean paranoid) {
        try {
            InetAddress a = InetAddress.getByAddress(ip);
            String name = a.getCanonicalHostName();
            if (name == null || name.equals(a.getHostAddress())) return null;
            name = name.toLowerCase(Locale.ROOT);
            if (paranoid) {
                for (InetAddress back : InetAddress.getAllByName(name)) {
                    if (back.equals(a)) return name;
                }
                return null;
            }
            return name;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * RFC 1413: asks the ident server on the remote host who owns the connection; the user
     * id from a {@code USERID} reply, or null when none comes within {@code seconds}.
     */
    static String ident(String localIp, int localPort, String remoteIp, int remotePort, int seconds) {
        if (seconds <= 0) return null;
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(localIp, 0));
            s.connect(new InetSocketAddress(remoteIp, 113), seconds * 1000);
            s.setSoTimeout(seconds * 1000);
            s.getOutputStream().write((remotePort + " , " + localPort + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n' && line.length() < 512) line.append((char) c);
            String[] parts = line.toString().split(":", 4);
            if (parts.length == 4 && parts[1].trim().equalsIgnoreCase("USERID")) {
                String user = parts[3];
                if (user.endsWith("\r")) user = user.substring(0, user.length() - 1);
                return user.strip();
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
