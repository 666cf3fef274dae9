package org.qmailj.common.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The warm-up readies the socket classes without a word to the writer, and never fails its caller. */
class SocketWarmupTest {
    @TempDir Path dir;

    @Test
    void theWriterSeesNoConnectionAndTheThreadEnds() throws Exception {
        Path socket = dir.resolve("w.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            server.configureBlocking(false);
            SocketWarmup t = SocketWarmup.start(socket);
            t.join(30_000);
            assertThat(t.isAlive()).isFalse();
            assertThat(t.isDaemon()).isTrue();
            assertThat(server.accept()).isNull();
            // and the client that follows it connects as ever
            assertThat(new SocketQueueClient(socket).answers()).isTrue();
            assertThat(server.accept()).isNotNull();
        }
    }

    @Test
    void noWriterNoDirectoryNoTrouble() throws Exception {
        SocketWarmup t = SocketWarmup.start(dir.resolve("no/such/dir/w.sock"));
        t.join(30_000);
        assertThat(t.isAlive()).isFalse();
    }

    /** The JDK classes readied on the side exist in the JDK we build with (else the list is stale). */
    @Test
    void theLeavesNameClassesOfThisJdk() throws Exception {
        for (String name : SocketWarmup.LEAVES) assertThat(Class.forName(name, false, null).getName()).isEqualTo(name);
    }
}
