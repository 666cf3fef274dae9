package org.qmailj.queue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.qmailj.testing.Cmd;

/** A small tmpfs the test mounts (it runs as root) and always unmounts. */
final class Mounts implements AutoCloseable {
    final Path dir;

    private Mounts(Path dir) {
        this.dir = dir;
    }

    static Mounts tmpfs(Path dir, String size) throws IOException {
        Files.createDirectories(dir);
        Cmd.Result r = Cmd.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs", dir.toString()));
        if (r.exit() != 0) throw new IOException("mount failed: " + r);
        return new Mounts(dir);
    }

    void readOnly(boolean ro) throws IOException {
        Cmd.Result r = Cmd.run(List.of("mount", "-o", "remount," + (ro ? "ro" : "rw"), dir.toString()));
        if (r.exit() != 0) throw new IOException("remount failed: " + r);
    }

    @Override
    public void close() throws IOException {
        Cmd.Result r = Cmd.run(List.of("umount", dir.toString()));
        if (r.exit() != 0) Cmd.run(List.of("umount", "-l", dir.toString()));
    }
}
