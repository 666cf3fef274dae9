package org.qmailj.common.queue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Readies the JDK's Unix-domain socket machinery on a thread of its own while the main thread
 * does its own start-up (options, controls, reading the header), for one-message clients such
 * as sendmail and qmail-inject. The first Unix socket a JVM opens initialises the selector
 * provider, libnet and sun.nio.ch.UnixDomainSockets, whose SecureRandom reads
 * conf/security/java.security and seeds from /dev/random: some 5-10 ms of a sendmail call that
 * the main thread would otherwise spend just before it connects. Opens a socket and closes it
 * again without connecting: no writer sees anything. Not a lambda: a lambda's first use
 * bootstraps method handles, the very cost this saves.
 */
public final class SocketWarmup extends Thread {
    private final Path socket;

    private SocketWarmup(Path socket) {
        super("socket warm-up");
        this.socket = socket;
        setDaemon(true);
    }

    /**
     * JDK classes on the socket's path whose initialisation needs nothing of the rest: the SUN
     * provider's table of OIDs (1.7 ms interpreted) and the JFR event classes the provider
     * look-up and the socket streams load from the runtime image (no AOT cache holds them).
     * A second thread readies them while the first reads java.security, so the provider finds
     * them done. Internal names: one missing in another JDK is skipped.
     */
    static final String[] LEAVES = {
        "sun.security.util.KnownOIDs",
        "jdk.internal.event.SecurityProviderServiceEvent",
        "jdk.internal.event.SocketWriteEvent",
        "jdk.internal.event.SocketReadEvent",
    };

    /** Starts the warm-up for a client of {@code socket}; returns the (daemon) thread. */
    public static SocketWarmup start(Path socket) {
        SocketWarmup t = new SocketWarmup(socket);
        t.start();
        new Leaves().start();
        return t;
    }

    /** Initialises {@link #LEAVES}. */
    static final class Leaves extends Thread {
        Leaves() {
            super("socket warm-up (leaves)");
            setDaemon(true);
        }

        @Override
        public void run() {
            for (String name : LEAVES) {
                try {
                    Class.forName(name, true, null);
                } catch (ClassNotFoundException | LinkageError e) {
                    // another JDK: nothing to ready
                }
            }
        }
    }

    @Override
    public void run() {
        try {
            UnixDomainSocketAddress.of(socket);
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                Channels.newOutputStream(ch);
                Channels.newInputStream(ch);
            } finally {
                SocketQueueClient.close(ch);
            }
        } catch (IOException | RuntimeException e) {
            // only a head start: the client meets (and reports) any real trouble itself
        }
    }
}
