package org.qmailj.common.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Control files are kept in memory between reads, yet every change shows at the next read
 * (for tcpserver: the next connection), whatever way the file was changed.
 */
class ControlCacheTest {
    @TempDir Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.ISO_8859_1);
        return p;
    }

    /** Reads until the cache answers {@code file} from memory (its times are old enough to tell a change). */
    private static void readUntilKept(Path file) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            ControlFile.readLine(file);
            if (ControlCache.SHARED.kept(file, null)) return;
            assertThat(System.nanoTime()).as("%s kept within 60 s", file).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Overwrites the start of the file without truncating it: the same size, the same inode. */
    private static void editInPlace(Path file, String content) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.ISO_8859_1)), 0);
        }
    }

    @Test
    void everyKindOfChangeShowsAtTheNextRead() throws Exception {
        Path inPlace = write("smtpgreeting", "one.example\n");
        Path renamed = write("rcpthosts", "a.example\nb.example\n");
        Path removed = write("databytes", "1000\n");
        Path created = dir.resolve("timeoutsmtpd");
        assertThat(ControlFile.readInt(created)).isEmpty();
        readUntilKept(inPlace);
        readUntilKept(renamed);
        readUntilKept(removed);
        assertThat(ControlFile.readLine(inPlace)).contains("one.example");

        // Edited in place: same size, same inode, and the modification time put back as it was.
        FileTime mtime = Files.getLastModifiedTime(inPlace);
        editInPlace(inPlace, "two.example\n");
        Files.setLastModifiedTime(inPlace, mtime);
        assertThat(ControlFile.readLine(inPlace)).contains("two.example");
        // And again within the same second, the same size: still seen.
        editInPlace(inPlace, "six.example\n");
        assertThat(ControlFile.readLine(inPlace)).contains("six.example");
        editInPlace(inPlace, "ten.example\n");
        Files.setLastModifiedTime(inPlace, mtime);
        assertThat(ControlFile.readLine(inPlace)).contains("ten.example");

        // Replaced by rename: a new file of the same size and modification time.
        FileTime rtime = Files.getLastModifiedTime(renamed);
        Path tmp = write("rcpthosts.tmp", "c.example\nd.example\n");
        Files.setLastModifiedTime(tmp, rtime);
        Files.move(tmp, renamed, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertThat(ControlFile.readList(renamed)).contains(List.of("c.example", "d.example"));

        Files.delete(removed);
        assertThat(ControlFile.readInt(removed)).isEmpty();

        write("timeoutsmtpd", "60\n");
        assertThat(ControlFile.readInt(created)).contains(60L);
        // Removed and created again with other contents.
        write("databytes", "2000\n");
        assertThat(ControlFile.readInt(removed)).contains(2000L);
    }

    @Test
    void anUnchangedListIsTheSameInstanceAndItsLinesAreCurrent() throws Exception {
        Path f = write("badmailfrom", "# comment\n\n@spam.example\nx@y.example \n");
        readUntilKept(f);
        List<String> first = ControlFile.readList(f).orElseThrow();
        assertThat(first).containsExactly("@spam.example", "x@y.example");
        assertThat(ControlFile.readList(f).orElseThrow()).isSameAs(first);
        assertThat(ControlFile.readLine(f)).contains("# comment");
        editInPlace(f, "#");
        assertThat(ControlFile.readList(f).orElseThrow()).isNotSameAs(first).containsExactly("@spam.example", "x@y.example");
        editInPlace(f, "@");
        assertThat(ControlFile.readList(f).orElseThrow()).containsExactly("@ comment", "@spam.example", "x@y.example");
    }

    @Test
    void aFileChangedJustNowIsReadAgainEveryTime() throws Exception {
        Path f = write("me", "a.example\n");
        assertThat(ControlFile.readLine(f)).contains("a.example");
        // Written within the trust window: not kept, so an edit in the same clock tick is not missed.
        if (System.currentTimeMillis() * 1_000_000L - ctime(f) < ControlCache.TRUST_AFTER_NANOS) {
            assertThat(ControlCache.SHARED.kept(f, null)).isFalse();
        }
        editInPlace(f, "b");
        assertThat(ControlFile.readLine(f)).contains("b.example");
    }

    /** Waits until {@code p}'s status-change time is older than the trust window. */
    private static void awaitOld(Path p) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.currentTimeMillis() * 1_000_000L - ctime(p) <= ControlCache.TRUST_AFTER_NANOS + 100_000_000L) {
            assertThat(System.nanoTime()).as("%s old within 60 s", p).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void missingFilesCostOneStatOfTheirDirectoryYetAppearAtTheNextConnection() throws Exception {
        Path control = Files.createDirectory(dir.resolve("control"));
        Path target = dir.resolve("elsewhere");
        Files.createSymbolicLink(control.resolve("dangling"), target);
        awaitOld(control);
        ControlDir c = new ControlDir(control).forConnection();
        assertThat(c.line("smtpgreeting")).isEmpty();
        assertThat(c.exists("morercpthosts.cdb")).isFalse();
        assertThat(c.optionalList("badmailfrom")).isEmpty();
        assertThat(c.line("dangling")).isEmpty();
        // Remembered as missing while the directory is as this connection saw it ...
        assertThat(ControlCache.SHARED.kept(control.resolve("smtpgreeting"), c.view())).isTrue();
        assertThat(ControlCache.SHARED.kept(control.resolve("morercpthosts.cdb"), c.view())).isTrue();
        // ... but not a dangling symbolic link: its target may appear anywhere.
        assertThat(ControlCache.SHARED.kept(control.resolve("dangling"), c.view())).isFalse();
        Files.writeString(target, "linked.example\n");
        assertThat(new ControlDir(control).forConnection().line("dangling")).contains("linked.example");

        ControlDir next = new ControlDir(control).forConnection();
        assertThat(next.line("smtpgreeting")).isEmpty();
        Files.writeString(control.resolve("smtpgreeting"), "created.example\n");
        // Within the same connection's view the directory was seen before the file came: a
        // connection sees what was there when it began, the next one sees the new file.
        assertThat(next.line("smtpgreeting")).isEmpty();
        assertThat(new ControlDir(control).forConnection().line("smtpgreeting")).contains("created.example");

        // Created by rename into place, and created after the directory is old again.
        awaitOld(control);
        assertThat(new ControlDir(control).forConnection().optionalList("badmailfrom")).isEmpty();
        Path tmp = dir.resolve("bmf.tmp");
        Files.writeString(tmp, "@spam.example\n");
        Files.move(tmp, control.resolve("badmailfrom"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(new ControlDir(control).forConnection().optionalList("badmailfrom")).contains(List.of("@spam.example"));
        awaitOld(control);
        ControlDir old = new ControlDir(control).forConnection();
        assertThat(old.integer("databytes", 0)).isZero();
        Files.writeString(control.resolve("databytes"), "1234\n");
        assertThat(new ControlDir(control).forConnection().integer("databytes", 0)).isEqualTo(1234);
        assertThat(new ControlDir(control).forConnection().exists("databytes")).isTrue();
    }

    private static long ctime(Path f) throws IOException {
        return ((FileTime) Files.getAttribute(f, "unix:ctime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
