package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSeqpacketTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void packetsCarryADescriptorTheReceiverReads(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m");
        Files.writeString(file, "0123456789");
        UnixSeqpacket.Pair p = UnixSeqpacket.pair();
        int fd = Fd.open(file, Fd.O_RDONLY, 0);
        try {
            UnixSeqpacket.send(p.a(), b("first"), 0, 5, fd);
            UnixSeqpacket.send(p.a(), b("second, no fd"), 0, 13, -1);
            Fd.close(fd); // the receiver's copy stays open
            Files.delete(file);

            byte[] buf = new byte[64];
            UnixSeqpacket.Received r = UnixSeqpacket.receive(p.b(), buf);
            assertThat(new String(buf, 0, r.length(), StandardCharsets.ISO_8859_1)).isEqualTo("first");
            assertThat(r.truncated()).isFalse();
            assertThat(r.fd()).isNotNegative();
            byte[] got = new byte[4];
            assertThat(Fd.pread(r.fd(), got, 0, 4, 6)).isEqualTo(4);
            assertThat(new String(got, StandardCharsets.ISO_8859_1)).isEqualTo("6789");
            assertThat(Fd.stat(r.fd()).size()).isEqualTo(10);
            assertThat(Fd.stat(r.fd()).isRegularFile()).isTrue();
            assertThat(FdTest.fdFlags(r.fd()) & Fd.O_CLOEXEC).as("received descriptors are close-on-exec").isNotZero();
            Fd.close(r.fd());

            r = UnixSeqpacket.receive(p.b(), buf);
            assertThat(new String(buf, 0, r.length(), StandardCharsets.ISO_8859_1)).isEqualTo("second, no fd");
            assertThat(r.fd()).isEqualTo(-1);
        } finally {
            Fd.closeQuietly(p.a(), p.b());
        }
    }

    @Test
    void aPacketLargerThanTheBufferIsMarkedTruncated() throws Exception {
        UnixSeqpacket.Pair p = UnixSeqpacket.pair();
        try {
            UnixSeqpacket.send(p.a(), new byte[1000], 0, 1000, -1);
            UnixSeqpacket.send(p.a(), b("next"), 0, 4, -1);
            byte[] buf = new byte[100];
            UnixSeqpacket.Received r = UnixSeqpacket.receive(p.b(), buf);
            assertThat(r.truncated()).isTrue();
            assertThat(r.length()).isEqualTo(100);
            r = UnixSeqpacket.receive(p.b(), buf);
            assertThat(r.truncated()).isFalse();
            assertThat(new String(buf, 0, r.length(), StandardCharsets.ISO_8859_1)).isEqualTo("next");
        } finally {
            Fd.closeQuietly(p.a(), p.b());
        }
    }

    @Test
    void shutdownGivesEndOfInputAfterThePacketsSentAndSendsThenFail() throws Exception {
        UnixSeqpacket.Pair p = UnixSeqpacket.pair();
        try {
            UnixSeqpacket.send(p.a(), b("last"), 0, 4, -1);
            UnixSeqpacket.shutdown(p.a());
            byte[] buf = new byte[16];
            assertThat(UnixSeqpacket.receive(p.b(), buf).length()).isEqualTo(4);
            assertThat(UnixSeqpacket.receive(p.b(), buf).length()).isZero();
            assertThatThrownBy(() -> UnixSeqpacket.send(p.a(), b("x"), 0, 1, -1))
                    .isInstanceOf(SysException.class).hasMessageContaining("sendmsg");
        } finally {
            Fd.closeQuietly(p.a(), p.b());
        }
    }

    @Test
    void openAtRefusesALinkWithNoFollowAndSeekMovesTheOffset(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("f"), "abcdef");
        Files.createSymbolicLink(dir.resolve("l"), dir.resolve("f"));
        int d = Fd.open(dir, Fd.O_RDONLY | Fd.O_DIRECTORY, 0);
        try {
            assertThatThrownBy(() -> Fd.openAt(d, "l", Fd.O_RDONLY | Fd.O_NOFOLLOW, 0))
                    .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ELOOP));
            int fd = Fd.openAt(d, "f", Fd.O_RDONLY | Fd.O_NOFOLLOW, 0);
            try {
                Fd.seek(fd, 4);
                byte[] b = new byte[8];
                assertThat(Fd.read(fd, b, 0, 8)).isEqualTo(2);
                Fd.seek(fd, 0);
                assertThat(Fd.read(fd, b, 0, 8)).isEqualTo(6);
                assertThat(Fd.stat(fd).uid()).isEqualTo((Integer) Files.getAttribute(dir.resolve("f"), "unix:uid"));
                assertThat(Fd.stat(d).isRegularFile()).isFalse();
            } finally {
                Fd.close(fd);
            }
        } finally {
            Fd.close(d);
        }
    }
}
