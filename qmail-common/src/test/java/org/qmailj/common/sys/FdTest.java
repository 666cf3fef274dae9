package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FdTest {

    @Test
    void pipeStreamsCarryBytesAndCloseGivesEof() throws Exception {
        Fd.Pipe pipe = Fd.pipe();
        byte[] big = new byte[300_000]; // more than a pipe holds: the writer must wait
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (OutputStream out = Fd.outputStream(pipe.write())) {
                out.write(big);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        byte[] got;
        try (InputStream in = Fd.inputStream(pipe.read())) {
            got = in.readAllBytes();
        }
        writer.join();

        assertThat(got).isEqualTo(big);
        assertThat(isOpen(pipe.read())).isFalse();
        assertThat(isOpen(pipe.write())).isFalse();
    }

    @Test
    void tryOpenAndProbeReturnErrnoInsteadOfThrowing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("f");
        Files.writeString(file, "x");
        Path link = dir.resolve("dangling");
        Files.createSymbolicLink(link, dir.resolve("nowhere"));

        int fd = Fd.tryOpen(file, Fd.O_RDONLY, 0);
        assertThat(fd).isNotNegative();
        try {
            assertThat(fdFlags(fd) & Fd.O_CLOEXEC).isNotZero();
            byte[] b = new byte[4];
            assertThat(Fd.read(fd, b, 0, 4)).isEqualTo(1);
        } finally {
            Fd.close(fd);
        }
        assertThat(Fd.tryOpen(dir.resolve("missing"), Fd.O_RDONLY, 0)).isEqualTo(-Errno.ENOENT);
        assertThat(Fd.tryOpen(file.resolve("below"), Fd.O_RDONLY, 0)).isEqualTo(-Errno.ENOTDIR);
        assertThat(Fd.openFailure(dir.resolve("missing"), Errno.ENOENT))
                .hasMessage("open " + dir.resolve("missing") + ": No such file or directory (errno 2)")
                .extracting(SysException::errno).isEqualTo(Errno.ENOENT);

        assertThat(Fd.probe(file, true)).isZero();
        assertThat(Fd.probe(dir.resolve("missing"), true)).isEqualTo(-Errno.ENOENT);
        assertThat(Fd.probe(file.resolve("below"), false)).isEqualTo(-Errno.ENOTDIR);
        // lstat sees the link itself; stat follows it to nothing.
        assertThat(Fd.probe(link, true)).isZero();
        assertThat(Fd.probe(link, false)).isEqualTo(-Errno.ENOENT);
    }

    @Test
    void pipeEndsAreCloseOnExec() throws Exception {
        Fd.Pipe pipe = Fd.pipe();
        try {
            assertThat(fdFlags(pipe.read()) & Fd.O_CLOEXEC).isNotZero();
            assertThat(fdFlags(pipe.write()) & Fd.O_CLOEXEC).isNotZero();
        } finally {
            Fd.close(pipe.read());
            Fd.close(pipe.write());
        }
    }

    @Test
    void dup2PlacesADescriptorWithoutCloseOnExec() throws Exception {
        Fd.Pipe pipe = Fd.pipe();
        int copy = 100;
        try {
            Fd.dup2(pipe.write(), copy);
            assertThat(fdFlags(copy) & Fd.O_CLOEXEC).isZero();

            byte[] msg = "via the copy".getBytes(StandardCharsets.US_ASCII);
            assertThat(Fd.write(copy, msg, 0, msg.length)).isEqualTo(msg.length);
            byte[] buf = new byte[64];
            int n = Fd.read(pipe.read(), buf, 0, buf.length);
            assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).isEqualTo("via the copy");
        } finally {
            Fd.close(copy);
            Fd.close(pipe.read());
            Fd.close(pipe.write());
        }
    }

    @Test
    void openHonoursFlagsAndMode(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("f");
        int fd = Fd.open(file, Fd.O_WRONLY | Fd.O_CREAT | Fd.O_EXCL, 0600);
        try (OutputStream out = Fd.outputStream(fd)) {
            out.write("data\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(Files.readString(file)).isEqualTo("data\n");

        assertThatThrownBy(() -> Fd.open(file, Fd.O_WRONLY | Fd.O_CREAT | Fd.O_EXCL, 0600))
                .isInstanceOfSatisfying(SysException.class,
                        e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
    }

    @Test
    void pollTimesOutThenSeesData() throws Exception {
        Fd.Pipe pipe = Fd.pipe();
        try {
            assertThat(Fd.poll(pipe.read(), Fd.POLLIN, 50)).isZero();
            Fd.write(pipe.write(), new byte[] {'x'}, 0, 1);
            assertThat(Fd.poll(pipe.read(), Fd.POLLIN, 1000)).isEqualTo(Fd.POLLIN);
        } finally {
            Fd.close(pipe.read());
            Fd.close(pipe.write());
        }
    }

    @Test
    void closeOfABadDescriptorIsEbadf() {
        assertThatThrownBy(() -> Fd.close(987654))
                .isInstanceOfSatisfying(SysException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EBADF);
                    assertThat(e).hasMessage("close fd 987654: Bad file descriptor (errno 9)");
                });
    }

    static boolean isOpen(int fd) {
        return Files.exists(Path.of("/proc/self/fd/" + fd));
    }

    /** The "flags:" line of /proc/self/fdinfo, octal, which includes O_CLOEXEC. */
    static int fdFlags(int fd) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).stream()
                .filter(l -> l.startsWith("flags:"))
                .map(l -> Integer.parseInt(l.substring("flags:".length()).trim(), 8))
                .findFirst().orElseThrow();
    }
}
