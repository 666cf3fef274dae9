package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixDatagramTest {

    @Test
    void syslogSendDeliversTheExactDatagram(@TempDir Path dir) throws Exception {
        Path devLog = dir.resolve("log");
        byte[] line = "<22>qmail: 1700000000.123 status: local 0/10 remote 0/20\u00ff"
                .getBytes(StandardCharsets.ISO_8859_1);
        try (UnixDatagram listener = UnixDatagram.bind(devLog);
                Syslog syslog = Syslog.open(devLog)) {
            assertThat(syslog.send(line)).isTrue();
            assertThat(syslog.send(new byte[0])).isTrue();

            assertThat(listener.receive(4096, 1000)).hasValueSatisfying(
                    got -> assertThat(got).isEqualTo(line));
            assertThat(listener.receive(4096, 1000)).hasValueSatisfying(
                    got -> assertThat(got).isEmpty());
            assertThat(listener.receive(4096, 20)).isEmpty();
        }
    }

    @Test
    void noSocketFileIsEnoent(@TempDir Path dir) throws Exception {
        Path devLog = dir.resolve("log");
        try (Syslog syslog = Syslog.open(devLog)) {
            assertThatThrownBy(() -> syslog.send(new byte[] {'x'}))
                    .isInstanceOfSatisfying(SysException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                        assertThat(e).hasMessage(
                                "sendto " + devLog + ": No such file or directory (errno 2)");
                    });
        }
    }

    @Test
    void staleSocketFileIsEconnrefusedAndARestartedListenerIsFound(@TempDir Path dir)
            throws Exception {
        Path devLog = dir.resolve("log");
        UnixDatagram.bind(devLog).close(); // leaves the socket file, nobody bound to it
        try (Syslog syslog = Syslog.open(devLog)) {
            assertThatThrownBy(() -> syslog.send(new byte[] {'x'}))
                    .isInstanceOfSatisfying(SysException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.ECONNREFUSED);
                        assertThat(e).hasMessage(
                                "sendto " + devLog + ": Connection refused (errno 111)");
                    });

            // syslogd restarts: it removes the stale file and binds again.
            Files.delete(devLog);
            try (UnixDatagram listener = UnixDatagram.bind(devLog)) {
                assertThat(syslog.send(new byte[] {'y'})).isTrue();
                assertThat(listener.receive(16, 1000)).hasValueSatisfying(
                        got -> assertThat(got).containsExactly('y'));
            }
        }
    }

    @Test
    void aStuckListenerMakesSendDropInsteadOfBlocking(@TempDir Path dir) throws Exception {
        Path devLog = dir.resolve("log");
        try (UnixDatagram listener = UnixDatagram.bind(devLog);
                Syslog syslog = Syslog.open(devLog)) {
            int sent = 0;
            boolean dropped = false;
            while (!dropped && sent < 100_000) {
                if (syslog.send(new byte[100])) {
                    sent++;
                } else {
                    dropped = true;
                }
            }
            assertThat(dropped).as("dropped after %d datagrams", sent).isTrue();
            // What was queued is still there.
            assertThat(listener.receive(200, 1000)).hasValueSatisfying(
                    got -> assertThat(got).hasSize(100));
        }
    }

    @Test
    void bindTwiceIsEaddrinuse(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("s");
        try (UnixDatagram first = UnixDatagram.bind(path)) {
            assertThatThrownBy(() -> UnixDatagram.bind(path))
                    .isInstanceOfSatisfying(SysException.class,
                            e -> assertThat(e.errno()).isEqualTo(98)); // EADDRINUSE
            assertThat(first.fd()).isNotNegative();
        }
    }

    @Test
    void pathTooLongForSunPathIsEnametoolong(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("x".repeat(120));
        try (UnixDatagram socket = UnixDatagram.open()) {
            assertThatThrownBy(() -> socket.sendTo(path, new byte[1]))
                    .isInstanceOfSatisfying(SysException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.ENAMETOOLONG));
        }
    }
}
