package org.qmailj.tcpserver;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A dnsmasq (Debian's dnsmasq-base) on 127.0.0.1 and a free port answering only what the test
 * gives it (--txt-record, --host-record), NXDOMAIN for other names under .test, as
 * qmail-remote's tests start it; and an upstream answering SERVFAIL to everything, for
 * {@code --server=/domain/127.0.0.1#port}.
 */
final class DnsZone implements AutoCloseable {
    private final Process process;
    final int port;

    private DnsZone(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static DnsZone start(Path dir, String... options) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 5; attempt++) {
            int port;
            try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
                port = probe.getLocalPort();
            }
            List<String> cmd = new ArrayList<>(List.of("/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                    "--no-resolv", "--no-hosts", "--no-poll", "--pid-file=", "--user=root",
                    "--listen-address=127.0.0.1", "--bind-interfaces", "--port=" + port, "--local=/test/"));
            cmd.addAll(List.of(options));
            Process p = org.qmailj.testing.DefaultSignals.builder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dnsmasq-" + port + ".log").toFile()).start();
            for (int i = 0; i < 100; i++) {
                if (!p.isAlive()) break;
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return new DnsZone(p, port);
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
            p.destroyForcibly().waitFor();
        }
        throw new IOException("dnsmasq did not start; see " + dir);
    }

    String server() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }

    /** Answers every question with SERVFAIL. */
    static final class Servfail implements AutoCloseable {
        final DatagramSocket socket;

        Servfail() throws IOException {
            socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
            Thread.ofPlatform().daemon().start(this::serve);
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            byte[] buf = new byte[1500];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket q = new DatagramPacket(buf, buf.length);
                    socket.receive(q);
                    byte[] a = java.util.Arrays.copyOf(q.getData(), q.getLength());
                    a[2] = (byte) (a[2] | 0x80);
                    a[3] = (byte) ((a[3] & 0xf0) | 0x80 | 2);
                    socket.send(new DatagramPacket(a, a.length, q.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
