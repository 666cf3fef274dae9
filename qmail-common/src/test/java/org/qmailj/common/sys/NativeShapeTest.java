package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the one C shape of {@link Native#SHAPE} relies on, call by call: every argument and
 * result travels as a 64-bit register, so a C int result must be read through its low half, a
 * negative int argument must reach C as that int, and a 64-bit offset must arrive whole.
 */
class NativeShapeTest {

    /** close(-1): the C int -1 comes back as -1 once cast, and errno is captured. */
    @Test
    void aFailedCallGivesMinusOneAndItsErrno() {
        Native.Fn close = Native.fn("close");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            long raw = close.call(st, -1);
            assertThat((int) raw).isEqualTo(-1);
            assertThat(Native.errno(st)).isEqualTo(Errno.EBADF);
        }
    }

    /** openat(AT_FDCWD = -100, relative name): a negative int argument is the int C expects. */
    @Test
    void aNegativeIntArgumentReachesCUnchanged(@TempDir Path dir) throws Exception {
        Native.Fn openat = Native.fn("openat");
        Native.Fn close = Native.fn("close");
        Path file = dir.resolve("here");
        Files.writeString(file, "x");
        // relative to the working directory, which the kernel uses only for AT_FDCWD: with
        // any other bad dirfd the same name fails with EBADF
        String relative = Path.of("").toAbsolutePath().relativize(file).toString();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment name = Native.cString(arena, relative);
            assertThat((int) openat.call(st, -99, Native.ptr(name), Fd.O_RDONLY)).isEqualTo(-1);
            assertThat(Native.errno(st)).isEqualTo(Errno.EBADF);

            int fd = (int) openat.call(st, -100, Native.ptr(name), Fd.O_RDONLY);
            assertThat(fd).isGreaterThanOrEqualTo(0);
            assertThat((int) close.call(st, fd)).isZero();
        }
    }

    /** pread at 5 GiB in a sparse file: a long argument above 32 bits arrives whole. */
    @Test
    void aSixtyFourBitOffsetArrivesWhole(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sparse");
        long far = 5L << 30;
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("far".getBytes(StandardCharsets.US_ASCII)), far);
            ch.write(java.nio.ByteBuffer.wrap("near".getBytes(StandardCharsets.US_ASCII)), far & 0xffffffffL);
        }
        int fd = Fd.open(file, Fd.O_RDONLY, 0);
        try {
            byte[] b = new byte[3];
            assertThat(Fd.pread(fd, b, 0, 3, far)).isEqualTo(3);
            assertThat(new String(b, StandardCharsets.US_ASCII)).isEqualTo("far");
            assertThat(Fd.stat(fd).size()).isEqualTo(far + 3);
        } finally {
            Fd.close(fd);
        }
    }

    /** strerror returns a pointer: the whole 64-bit result is the address. */
    @Test
    void aPointerResultIsTheWholeRegister() {
        assertThat(Native.strerror(Errno.ENOENT)).isEqualTo("No such file or directory");
    }

    /** A heap segment has no address C could use: refused before the call, as the linker did. */
    @Test
    void aHeapSegmentIsRefused() {
        assertThatThrownBy(() -> Native.ptr(MemorySegment.ofArray(new byte[8])))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Native.ptr(MemorySegment.NULL)).isZero();
    }

    /** read into a native buffer by address, and a C ssize_t result of 0 at end of file. */
    @Test
    void aBufferPassedByAddressIsFilled() throws Exception {
        Fd.Pipe pipe = Fd.pipe();
        Native.Fn read = Native.fn("read");
        try (Arena arena = Arena.ofConfined()) {
            byte[] msg = "through the pipe".getBytes(StandardCharsets.US_ASCII);
            assertThat(Fd.write(pipe.write(), msg, 0, msg.length)).isEqualTo(msg.length);
            Fd.close(pipe.write());
            MemorySegment st = Native.errnoState(arena);
            MemorySegment buf = arena.allocate(64);
            long n = read.call(st, pipe.read(), Native.ptr(buf), 64);
            assertThat(n).isEqualTo(msg.length);
            assertThat(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(msg);
            assertThat(read.call(st, pipe.read(), Native.ptr(buf), 64)).isZero();
        } finally {
            Fd.close(pipe.read());
        }
    }
}
