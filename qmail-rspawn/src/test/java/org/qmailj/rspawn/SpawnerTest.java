package org.qmailj.rspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.spawn.SpawnCheck;
import org.qmailj.common.spawn.SpawnProtocol;

/**
 * The spawner in this JVM with a stand-in delivery: the bytes it writes for a command stream
 * (wide hello, two-byte delivery numbers, spawn.c's checks, reports cut at a NUL), and
 * spawn.c's message id checks.
 */
class SpawnerTest {
    @TempDir
    Path mess;

    /** Runs a spawner over these command bytes to end of input; returns its output. */
    private byte[] run(byte[] commands) throws Exception {
        Files.createDirectories(mess.resolve("7"));
        Files.writeString(mess.resolve("7/30"), "Subject: t\n\nbody\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Spawner.Delivery delivery = (message, path, cmd) -> {
            byte[] first = new byte[10];
            int n = message.read(ByteBuffer.wrap(first));
            return "K" + cmd.recipient() + " from " + cmd.sender() + " read "
                    + new String(first, 0, n, StandardCharsets.ISO_8859_1) + (cmd.recipient().startsWith("nul") ? "\0junk" : "");
        };
        int owner = (Integer) Files.getAttribute(mess, "unix:uid");
        try (SpawnCheck check = new SpawnCheck(mess, owner)) {
            new Spawner(new ByteArrayInputStream(commands), out, check, delivery).run();
        }
        return out.toByteArray();
    }

    @Test
    void wideHelloAndTwoByteDelnums() throws Exception {
        SpawnProtocol p = SpawnProtocol.wide(65535);
        ByteArrayOutputStream cmds = new ByteArrayOutputStream();
        cmds.writeBytes(p.command(1000, "7/30", "s@x", "r@y"));
        cmds.writeBytes(p.command(7, "7/x", "s@x", "r@y"));
        cmds.writeBytes(p.command(65535, "7/30", "", "nul@y"));
        cmds.writeBytes(p.command(300, "7/30", "s@x", "nohost"));
        cmds.writeBytes(p.command(301, "", "s@x", "r@y"));
        byte[] out = run(cmds.toByteArray());
        InputStream in = new ByteArrayInputStream(out);
        assertThat(in.readNBytes(3)).containsExactly(0, 0xff, 0xff);
        Map<Integer, String> reports = new HashMap<>();
        SpawnProtocol.Report r;
        while ((r = p.readReport(in)) != null) assertThat(reports.put(r.delnum(), r.text())).isNull();
        assertThat(reports).containsOnly(
                Map.entry(1000, "Kr@y from s@x read Subject: t"),
                Map.entry(7, "DInternal error: messid has nonnumerics. (#5.3.5)\n"),
                Map.entry(65535, "Knul@y from  read Subject: t"),
                Map.entry(300, "DSorry, address must include host name. (#5.1.3)\n"),
                Map.entry(301, "DInternal error: messid too short. (#5.3.5)\n"));
    }

    @Test
    void inputEndingInsideACommand() throws Exception {
        SpawnProtocol p = SpawnProtocol.wide(65535);
        ByteArrayOutputStream cmds = new ByteArrayOutputStream();
        cmds.writeBytes(p.command(2, "7/30", "s@x", "r@y"));
        cmds.writeBytes(new byte[] {9, 0, '7', '/'});
        InputStream in = new ByteArrayInputStream(run(cmds.toByteArray()));
        assertThat(in.readNBytes(3)).containsExactly(0, 0xff, 0xff);
        assertThat(p.readReport(in)).isEqualTo(new SpawnProtocol.Report(2, "Kr@y from s@x read Subject: t"));
        assertThat(p.readReport(in)).isNull();
    }

    @Test
    void messidChecks() {
        assertThat(SpawnCheck.messidProblem("12/345")).isNull();
        assertThat(SpawnCheck.messidProblem("7/x")).isEqualTo("DInternal error: messid has nonnumerics. (#5.3.5)\n");
        assertThat(SpawnCheck.messidProblem("/7")).isEqualTo("DInternal error: messid has nonnumerics. (#5.3.5)\n");
        assertThat(SpawnCheck.messidProblem("7/" + "1".repeat(97))).isNull();
        assertThat(SpawnCheck.messidProblem("7/" + "1".repeat(98))).isEqualTo("DInternal error: messid too long. (#5.3.5)\n");
        assertThat(SpawnCheck.messidProblem("")).isEqualTo("DInternal error: messid too short. (#5.3.5)\n");
    }
}
