package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queue split directory held open for the todo thread's fsyncs (as qmail-queued's): the same
 * descriptor serves batch after batch; a directory replaced at its path is let go and the new
 * one synced; one that is gone fails
 * the fsync and is let go. What the process holds is read from /proc/self/fd.
 */
class HeldDirTest {
    @TempDir Path tmp;

    /** The paths of this process's descriptors, as the kernel names them ("... (deleted)" once removed). */
    private static List<String> openPaths() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    out.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException e) {
                    // the descriptor of the listing itself, closed meanwhile
                }
            }
        }
        return out;
    }

    private static long held(String path) throws IOException {
        return openPaths().stream().filter(p -> p.equals(path)).count();
    }

    @Test
    void oneDescriptorServesEveryRound() throws Exception {
        Path info = Files.createDirectory(tmp.toRealPath().resolve("info"));
        try (HeldDir d = new HeldDir(info)) {
            assertThat(held(info.toString())).isZero();
            for (int i = 0; i < 5; i++) {
                Files.createFile(info.resolve("m" + i));
                d.fsync();
                assertThat(held(info.toString())).as("round %d", i).isEqualTo(1);
            }
        }
        assertThat(held(info.toString())).as("closed").isZero();
    }

    @Test
    void aDirectoryReplacedAtItsPathIsReopened() throws Exception {
        Path root = tmp.toRealPath();
        Path info = Files.createDirectory(root.resolve("info"));
        Path old = root.resolve("info.old");
        try (HeldDir d = new HeldDir(info)) {
            d.fsync();
            Files.move(info, old);
            Files.createDirectory(info);
            Files.createFile(info.resolve("1"));
            d.fsync();
            assertThat(held(info.toString())).as("the new info/").isEqualTo(1);
            assertThat(held(old.toString())).as("the old one, let go").isZero();

            // Removed and made again: a new inode (the held one is not freed while held).
            Files.delete(info.resolve("1"));
            Files.delete(info);
            Files.createDirectory(info);
            d.fsync();
            assertThat(openPaths()).as("the removed one, let go").noneMatch(p -> p.startsWith(info + " (deleted)"));
            assertThat(held(info.toString())).isEqualTo(1);
        }
    }

    @Test
    void aDirectoryGoneFailsTheFsyncAndIsLetGo() throws Exception {
        Path info = Files.createDirectory(tmp.toRealPath().resolve("info"));
        try (HeldDir d = new HeldDir(info)) {
            d.fsync();
            Files.delete(info);
            assertThatThrownBy(d::fsync).isInstanceOf(NoSuchFileException.class);
            assertThat(openPaths()).noneMatch(p -> p.startsWith(info.toString()));
            assertThatThrownBy(d::fsync).as("still gone").isInstanceOf(NoSuchFileException.class);
            Files.createDirectory(info);
            d.fsync();
            assertThat(held(info.toString())).as("back").isEqualTo(1);
        }
    }
}
