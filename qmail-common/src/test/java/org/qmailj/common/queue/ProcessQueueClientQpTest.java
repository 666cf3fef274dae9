package org.qmailj.common.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Session.qp() is the pid of the qmail-queue process, as qmail_qp is. */
class ProcessQueueClientQpTest {
    @TempDir Path dir;

    @Test
    void qpIsTheQueueProgramsPid() throws IOException {
        Path q = dir.resolve("qq");
        Files.writeString(q, "#!/bin/sh\necho $$ > \"$OUT/pid\"; cat >/dev/null; cat <&1 >/dev/null; exit 0\n");
        q.toFile().setExecutable(true);
        QueueClient c = new ProcessQueueClient(List.of(q.toString()), Map.of("PATH", "/usr/bin:/bin", "OUT", dir.toString()));
        long qp;
        try (QueueClient.Session s = c.open()) {
            qp = s.qp();
            assertThat(s.commit(new Envelope("", List.of("a@b"))).ok()).isTrue();
        }
        assertThat(Files.readString(dir.resolve("pid")).trim()).isEqualTo(Long.toString(qp));
        assertThat(qp).isPositive();
    }
}
