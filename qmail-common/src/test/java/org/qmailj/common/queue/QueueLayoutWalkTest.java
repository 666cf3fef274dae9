package org.qmailj.common.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one walk over a queue directory's message files that qmail-send and qmail-qread share. */
class QueueLayoutWalkTest {
    @TempDir
    Path root;

    @Test
    void everyMessageNumberOnceOtherNamesSkippedAMissingSubdirectoryReported() throws IOException {
        QueueLayout q = new QueueLayout(root);
        for (int i = 0; i < QueueLayout.SPLIT; i++) if (i != 7) Files.createDirectories(q.dir("info").resolve(Integer.toString(i)));
        for (long id : new long[] {1, 23, 24, 45, 1_000_003}) Files.writeString(q.info(id), "F\0");
        Files.writeString(q.dir("info").resolve("1").resolve("tmp.1"), "");
        Files.writeString(q.dir("info").resolve("2").resolve(".nfs0002"), "");
        TreeMap<Long, Path> seen = new TreeMap<>();
        List<Integer> unreadable = new ArrayList<>();
        q.forEachMessage("info", (id, p) -> assertThat(seen.put(id, p)).isNull(), unreadable::add);
        assertThat(seen.keySet()).containsExactly(1L, 23L, 24L, 45L, 1_000_003L);
        seen.forEach((id, p) -> assertThat(p).isEqualTo(q.info(id)));
        assertThat(unreadable).containsExactly(7);
    }

    @Test
    void aFailingVisitorCostsItsSubdirectoryOnlyAndTheFlatWalkThrows() throws IOException {
        QueueLayout q = new QueueLayout(root);
        for (int i = 0; i < QueueLayout.SPLIT; i++) Files.createDirectories(q.dir("mess").resolve(Integer.toString(i)));
        for (long id : new long[] {3, 26, 4}) Files.writeString(q.mess(id), "");
        List<Long> seen = new ArrayList<>();
        List<Integer> unreadable = new ArrayList<>();
        q.forEachMessage("mess", (id, p) -> {
            if (id == 3 || id == 26) throw new IOException("no");
            seen.add(id);
        }, unreadable::add);
        assertThat(seen).containsExactly(4L);
        assertThat(unreadable).containsExactly(3);
        assertThatThrownBy(() -> QueueLayout.forEachMessageIn(root.resolve("todo"), (id, p) -> {}))
                .isInstanceOf(NoSuchFileException.class);
    }
}
