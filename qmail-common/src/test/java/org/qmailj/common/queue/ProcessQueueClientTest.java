package org.qmailj.common.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ProcessQueueClient against sh scripts that offer qmail-queue's interface. */
class ProcessQueueClientTest {
    @TempDir Path dir;

    private Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        p.toFile().setExecutable(true);
        return p;
    }

    private QueueResult inject(Path program, String message, Envelope env) throws IOException {
        QueueClient c = new ProcessQueueClient(List.of(program.toString()), Map.of("PATH", "/usr/bin:/bin", "OUT", dir.toString()));
        try (QueueClient.Session s = c.open()) {
            s.message().write(message.getBytes(StandardCharsets.ISO_8859_1));
            return s.commit(env);
        }
    }

    @Test
    void messageOnFd0EnvelopeOnFd1() throws IOException {
        Path q = script("qq", "cat > \"$OUT/mess\"; cat <&1 > \"$OUT/env\"; exit 0");
        String big = "Subject: x\n\n" + "line\n".repeat(100_000);
        QueueResult r = inject(q, big, new Envelope("a@b", List.of("c@d", "e@f")));
        assertThat(r.ok()).isTrue();
        assertThat(Files.readString(dir.resolve("mess"))).isEqualTo(big);
        assertThat(Files.readString(dir.resolve("env"), StandardCharsets.ISO_8859_1)).isEqualTo("Fa@b\0Tc@d\0Te@f\0\0");
    }

    @Test
    void exitCodesBecomeQmailTexts() throws IOException {
        Envelope env = new Envelope("a@b", List.of("c@d"));
        assertThat(inject(script("q11", "cat >/dev/null; exit 11"), "x\n", env))
                .isEqualTo(new QueueResult(11, "Denvelope address too long for qq (#5.1.3)"));
        assertThat(inject(script("q53", "cat >/dev/null; exit 53"), "x\n", env).report()).isEqualTo("Zqq write error or disk full (#4.3.0)");
        QueueResult early = inject(script("q31", "exit 31"), "y\n".repeat(200_000), env);
        assertThat(early.exit()).isEqualTo(31);
        assertThat(early.permanent()).isTrue();
    }

    @Test
    void exit82TakesTheTextFromFd6() throws IOException {
        Envelope env = new Envelope("a@b", List.of("c@d"));
        QueueResult r = inject(script("q82", "cat >/dev/null; echo 'Dno spam here (#5.7.1)' >&6; exit 82"), "x\n", env);
        assertThat(r).isEqualTo(new QueueResult(82, "Dno spam here (#5.7.1)"));
        assertThat(r.text()).isEqualTo("no spam here (#5.7.1)");
        QueueResult z = inject(script("q82z", "cat >/dev/null; printf 'Zlater' >&6; exit 82"), "x\n", env);
        assertThat(z.report()).isEqualTo("Zlater");
        QueueResult junk = inject(script("q82j", "cat >/dev/null; echo 'junk' >&6; exit 82"), "x\n", env);
        assertThat(junk.report()).isEqualTo("Zqq temporary problem (#4.3.0)");
    }

    @Test
    void crashAndMissingProgram() throws IOException {
        Envelope env = new Envelope("a@b", List.of("c@d"));
        assertThat(inject(script("qkill", "cat >/dev/null; kill -9 $$"), "x\n", env).report()).isEqualTo("Zqq crashed (#4.3.0)");
        assertThat(inject(dir.resolve("missing"), "x\n", env).report()).isEqualTo("Zunable to exec qq (#4.3.0)");
    }

    @Test
    void abandonedSessionQueuesNothing() throws IOException {
        Path q = script("qa", "cat > \"$OUT/mess\"; if cat <&1 > \"$OUT/env\" && [ -s \"$OUT/env\" ]; then echo got > \"$OUT/result\"; else echo none > \"$OUT/result\"; fi");
        QueueClient c = new ProcessQueueClient(List.of(q.toString()), Map.of("PATH", "/usr/bin:/bin", "OUT", dir.toString()));
        try (QueueClient.Session s = c.open()) {
            s.message().write("partial".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(Files.readString(dir.resolve("result"))).isEqualTo("none\n");
        assertThat(Files.readString(dir.resolve("mess"))).isEqualTo("partial");
    }
}
