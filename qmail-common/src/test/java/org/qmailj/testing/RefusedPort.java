package org.qmailj.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A loopback port where a connection is surely refused while this is open: a TCP socket bound
 * to it without listening. (A port merely closed after bind(0) can be handed to any other
 * process on the machine at once, and a parallel test run then answers there.)
 */
public final class RefusedPort implements AutoCloseable {
    private final Socket socket = new Socket();

    public RefusedPort() throws IOException {
        this(InetAddress.getByName("127.0.0.1"));
    }

    public RefusedPort(InetAddress address) throws IOException {
        socket.bind(new InetSocketAddress(address, 0));
    }

    public int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
