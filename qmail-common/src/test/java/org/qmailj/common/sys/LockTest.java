package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockTest {

    /** util-linux flock(1) -n: exit 0 if it got the lock, 1 if someone holds it. */
    private static int flockCommand(Path file) throws Exception {
        Process p = new ProcessBuilder("flock", "-n", file.toString(), "true").start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    @Test
    void exclusiveLockExcludesOtherProcessesUsingFlock(@TempDir Path dir) throws Exception {
        Path sendmutex = dir.resolve("sendmutex");
        try (Lock lock = Lock.exclusive(sendmutex)) {
            assertThat(flockCommand(sendmutex)).isEqualTo(1);
            assertThat(lock.fd()).isNotNegative();
        }
        assertThat(flockCommand(sendmutex)).isZero();
    }

    @Test
    void tryExclusiveFailsWhileAnotherOpenHoldsIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lock");
        try (Lock first = Lock.exclusive(file)) {
            assertThat(Lock.tryExclusive(file)).isEmpty();
            assertThat(first.fd()).isNotNegative();
        }
        Optional<Lock> again = Lock.tryExclusive(file);
        assertThat(again).isPresent();
        again.get().close();
    }

    @Test
    void blockingLockWaitsForTheHolder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lock");
        Lock first = Lock.exclusive(file);
        CompletableFuture<Lock> second = new CompletableFuture<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                second.complete(Lock.exclusive(file));
            } catch (Exception e) {
                second.completeExceptionally(e);
            }
        });
        Thread.sleep(100);
        assertThat(second).isNotDone();

        first.close();
        second.get(5, TimeUnit.SECONDS).close();
        waiter.join();
    }

    @Test
    void unlockReleasesWithoutClosing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lock");
        try (Lock lock = Lock.exclusive(file)) {
            Lock.unlock(lock.fd());
            assertThat(flockCommand(file)).isZero();
            assertThat(Lock.lockExNb(lock.fd())).isTrue();
            assertThat(flockCommand(file)).isEqualTo(1);
        }
    }

    @Test
    void jdkFileLockDoesNotSeeFlockWhichIsWhyLockUsesFlock(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lock");
        try (Lock lock = Lock.exclusive(file);
                RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            // fcntl record lock and flock are independent on Linux: this succeeds.
            FileLock fcntlLock = raf.getChannel().tryLock();
            assertThat(fcntlLock).isNotNull();
            fcntlLock.release();
            assertThat(flockCommand(file)).isEqualTo(1);
            assertThat(lock.fd()).isNotNegative();
        }
    }
}
