package org.qmailj.queue;

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
 * A queue directory held open for its fsyncs: the same descriptor serves round after round;
 * a directory replaced at its path is let go and the new one synced; one that is gone fails
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
        Path todo = Files.createDirectory(tmp.toRealPath().resolve("todo"));
        try (HeldDir d = new HeldDir(todo)) {
            assertThat(held(todo.toString())).isZero();
            for (int i = 0; i < 5; i++) {
                Files.createFile(todo.resolve("m" + i));
                d.run();
                assertThat(held(todo.toString())).as("round %d", i).isEqualTo(1);
            }
        }
        assertThat(held(todo.toString())).as("closed").isZero();
    }

    @Test
    void aDirectoryReplacedAtItsPathIsReopened() throws Exception {
        Path root = tmp.toRealPath();
        Path todo = Files.createDirectory(root.resolve("todo"));
        Path old = root.resolve("todo.old");
        try (HeldDir d = new HeldDir(todo)) {
            d.run();
            Files.move(todo, old);
            Files.createDirectory(todo);
            Files.createFile(todo.resolve("1"));
            d.run();
            assertThat(held(todo.toString())).as("the new todo/").isEqualTo(1);
            assertThat(held(old.toString())).as("the old one, let go").isZero();

            // Removed and made again: a new inode (the held one is not freed while held).
            Files.delete(todo.resolve("1"));
            Files.delete(todo);
            Files.createDirectory(todo);
            d.run();
            assertThat(openPaths()).as("the removed one, let go").noneMatch(p -> p.startsWith(todo + " (deleted)"));
            assertThat(held(todo.toString())).isEqualTo(1);
        }
    }

    @Test
    void aDirectoryGoneFailsTheFsyncAndIsLetGo() throws Exception {
        Path todo = Files.createDirectory(tmp.toRealPath().resolve("todo"));
        try (HeldDir d = new HeldDir(todo)) {
            d.run();
            Files.delete(todo);
            assertThatThrownBy(d::run).isInstanceOf(NoSuchFileException.class);
            assertThat(openPaths()).noneMatch(p -> p.startsWith(todo.toString()));
            assertThatThrownBy(d::run).as("still gone").isInstanceOf(NoSuchFileException.class);
            Files.createDirectory(todo);
            d.run();
            assertThat(held(todo.toString())).as("back").isEqualTo(1);
        }
    }
}
