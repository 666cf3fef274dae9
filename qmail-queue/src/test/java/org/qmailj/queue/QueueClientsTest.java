package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueClients;
import org.qmailj.common.queue.QueueResult;

/**
 * QueueClients.standard's choice: $QMAILQUEUE, else the writer's socket when it answers, else
 * a bin/qmail-queue process; and qmail-inject reporting a QMAILQUEUE program's exit 82 text.
 */
class QueueClientsTest {
    @TempDir Path dir;

    static QueueResult send(QueueClient c) throws Exception {
        try (QueueClient.Session s = c.open()) {
            s.message().write(bytes("Subject: x\n\nb\n"));
            return s.commit(new Envelope("a@b.c", List.of("d@e.f")));
        }
    }

    Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        p.toFile().setExecutable(true);
        return p;
    }

    @Test
    void prefersQmailqueueThenTheSocketThenBinQmailQueue() throws Exception {
        TestHome t = TestHome.sandbox(dir.resolve("home"));
        Path marker = dir.resolve("bin-qmail-queue-ran");
        Files.writeString(t.home.bin().resolve("qmail-queue"), "#!/bin/sh\ncat >/dev/null; cat <&1 >" + marker + "\nexit 0\n");
        t.home.bin().resolve("qmail-queue").toFile().setExecutable(true);
        Path qq = dir.resolve("qq-ran");
        Path custom = script("custom-qq", "cat >/dev/null; cat <&1 >" + qq + "\nexit 0\n");

        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("QMAILQUEUE");
        assertThat(send(QueueClients.standard(t.home, env)).ok()).isTrue();
        assertThat(TestHome.str(Files.readAllBytes(marker))).isEqualTo("Fa@b.c\0Td@e.f\0\0");
        Files.delete(marker);

        try (WriterServer s = WriterServerTest.serve(t)) {
            assertThat(send(QueueClients.standard(t.home, env, "qmails")).ok()).isTrue();
            assertThat(marker).doesNotExist();
            assertThat(t.todo()).hasSize(1);
            assertThat(TestHome.str(t.mess(t.todo().getFirst()))).contains("invoked for bounce");

            env.put("QMAILQUEUE", custom.toString());
            assertThat(send(QueueClients.standard(t.home, env)).ok()).isTrue();
            assertThat(qq).exists();
            assertThat(t.todo()).hasSize(1);
        }
    }

    @Test
    void injectReportsTheTextOfExit82() throws Exception {
        TestHome t = TestHome.sandbox(dir.resolve("home"));
        t.control("me", "mx.example.com\n");
        Map<String, String> env = new HashMap<>(Map.of("USER", "joe"));
        env.put("QMAILQUEUE", script("refuse", "cat >/dev/null; echo 'Dno thanks (#5.7.1)' >&6; exit 82\n").toString());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = QmailInject.run(new String[0], t.home, env, new ByteArrayInputStream(bytes("To: a@b.c\n\n")),
                new ByteArrayOutputStream(), new PrintStream(err), QueueClients.standard(t.home, env), Clock.systemUTC());
        assertThat(exit).isEqualTo(100);
        assertThat(err.toString()).isEqualTo("qmail-inject: fatal: no thanks (#5.7.1)\n");
        env.put("QMAILQUEUE", script("later", "cat >/dev/null; echo 'Ztry later' >&6; exit 82\n").toString());
        err.reset();
        exit = QmailInject.run(new String[0], t.home, env, new ByteArrayInputStream(bytes("To: a@b.c\n\n")),
                new ByteArrayOutputStream(), new PrintStream(err), QueueClients.standard(t.home, env), Clock.systemUTC());
        assertThat(exit).isEqualTo(111);
        assertThat(err.toString()).isEqualTo("qmail-inject: fatal: try later\n");
    }
}
