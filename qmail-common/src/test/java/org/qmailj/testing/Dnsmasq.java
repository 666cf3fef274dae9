package org.qmailj.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.SimpleResolver;

/**
 * A real DNS server for the tests (qmail-remote's and rblsmtpd's): dnsmasq (Debian package dnsmasq-base) on 127.0.0.1 and a
 * free port, with no upstream servers and no /etc/hosts, answering only what the test
 * configures with --host-record, --mx-host, --cname, --txt-record; names under {@code .test} that are not
 * configured get NXDOMAIN (--local). dnsmasq binds the port itself, so the port is found by
 * binding port 0 first; a lost race is retried.
 */
public final class Dnsmasq implements AutoCloseable {
    public static final String PROGRAM = "/usr/sbin/dnsmasq";

    private final Process process;
    public final int port;

    private Dnsmasq(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static Dnsmasq start(Path dir, String... options) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 5; attempt++) {
            int port;
            try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
                port = probe.getLocalPort();
            }
            List<String> cmd = new ArrayList<>(List.of(PROGRAM, "--keep-in-foreground", "--conf-file=/dev/null",
                    "--no-resolv", "--no-hosts", "--no-poll", "--pid-file=", "--user=root",
                    "--listen-address=127.0.0.1", "--bind-interfaces", "--port=" + port, "--local=/test/"));
            cmd.addAll(List.of(options));
            Process p = DefaultSignals.builder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dnsmasq-" + port + ".log").toFile()).start();
            for (int i = 0; i < 100; i++) {
                if (!p.isAlive()) break;
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return new Dnsmasq(p, port);
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
            p.destroyForcibly().waitFor();
        }
        throw new IOException("dnsmasq did not start; see " + dir);
    }

    /** The server as QMAIL_DNS_SERVER names it. */
    public String server() {
        return "127.0.0.1:" + port;
    }

    /** A dnsjava resolver asking this server, with a 3 s timeout. */
    public SimpleResolver resolver() {
        SimpleResolver r = new SimpleResolver(new InetSocketAddress("127.0.0.1", port));
        r.setTimeout(Duration.ofSeconds(3));
        return r;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }

    /**
     * An upstream that answers every question with SERVFAIL (rcode 2), for dnsmasq's
     * {@code --server=/domain/127.0.0.1#port}: dnsmasq relays the SERVFAIL to its client.
     */
    public static final class ServfailUpstream implements AutoCloseable {
        final DatagramSocket socket;

        public ServfailUpstream() throws IOException {
            socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
            Thread.ofPlatform().daemon().start(this::serve);
        }

        public int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            byte[] buf = new byte[1500];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket q = new DatagramPacket(buf, buf.length);
                    socket.receive(q);
                    byte[] a = java.util.Arrays.copyOf(q.getData(), q.getLength());
                    a[2] = (byte) (a[2] | 0x80); // QR
                    a[3] = (byte) ((a[3] & 0xf0) | 0x80 | 2); // RA, rcode SERVFAIL
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
