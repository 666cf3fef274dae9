package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class TcpSocketTest {
    private static final byte[] LOOPBACK = {127, 0, 0, 1};

    @Test
    void listenAcceptAndTalkOnTheRawDescriptor() throws Exception {
        int lfd = TcpSocket.listen(LOOPBACK, 0, 5);
        try {
            int port = TcpSocket.localEndpoint(lfd).port();
            assertThat(port).isPositive();
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                TcpSocket.Accepted a = TcpSocket.accept(lfd);
                try {
                    assertThat(a.local().ipString()).isEqualTo("127.0.0.1");
                    assertThat(a.local().port()).isEqualTo(port);
                    assertThat(a.remote().port()).isEqualTo(client.getLocalPort());
                    assertThat(Fd.write(a.fd(), "hi".getBytes(), 0, 2)).isEqualTo(2);
                    assertThat(client.getInputStream().readNBytes(2)).isEqualTo("hi".getBytes());
                    client.getOutputStream().write('x');
                    byte[] b = new byte[1];
                    assertThat(Fd.read(a.fd(), b, 0, 1)).isEqualTo(1);
                    assertThat(b[0]).isEqualTo((byte) 'x');
                } finally {
                    Fd.close(a.fd());
                }
            }
        } finally {
            Fd.close(lfd);
        }
    }

    @Test
    void connectAndRefused() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Integer> peer = CompletableFuture.supplyAsync(() -> {
                try (Socket s = ss.accept()) {
                    return s.getInputStream().read();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            int fd = TcpSocket.connect(LOOPBACK, ss.getLocalPort(), null, 0, 5000);
            try {
                Fd.write(fd, new byte[] {'y'}, 0, 1);
                assertThat(peer.get()).isEqualTo((int) 'y');
            } finally {
                Fd.close(fd);
            }
            int port = ss.getLocalPort();
            ss.close();
            assertThatThrownBy(() -> TcpSocket.connect(LOOPBACK, port, null, 0, 5000))
                    .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(111));
        }
    }
}
