package org.qmailj.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * qbiff(1), pointed at a utmp file written here (-Dqmail.qbiff.utmp) and at a directory of
 * stand-in terminals (-Dqmail.qbiff.dev); and once at a real pseudo-terminal from python's pty
 * module, through /dev.
 */
class QbiffTest {
    static final String MSG = "Received: x\nSubject: lunch\n  today?\n\nline one\nline\ttwo\n";
    static final String NOTICE = "\r\n\007*** TO <joe-lunch> FROM <ann@x.org>\r\n    lunch/  today?/line one/line/two/\r\n";

    @TempDir
    Path tmp;

    record Entry(int type, String line, String user) {
    }

    static byte[] utmp(List<Entry> entries) {
        ByteBuffer b = ByteBuffer.allocate(Qbiff.UTMP_SIZE * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < entries.size(); i++) {
            int off = i * Qbiff.UTMP_SIZE;
            Entry e = entries.get(i);
            b.putShort(off, (short) e.type());
            b.putInt(off + 4, 1000 + i);
            b.put(off + 8, e.line().getBytes(StandardCharsets.ISO_8859_1));
            b.put(off + 44, e.user().getBytes(StandardCharsets.ISO_8859_1));
        }
        return b.array();
    }

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("USER", "joe");
        env.put("LOCAL", "joe-lunch");
        env.put("SENDER", "ann@x.org");
        return env;
    }

    Cmd.Result qbiff(Map<String, String> env, String msg, Path utmp, Path dev) throws IOException {
        List<String> cmd = new ArrayList<>(LocalRun.java("org.qmailj.local.Qbiff", List.of()));
        cmd.add(1, "-Dqmail.qbiff.utmp=" + utmp);
        cmd.add(1, "-Dqmail.qbiff.dev=" + dev);
        return Cmd.run(cmd, env, null, msg.getBytes(StandardCharsets.ISO_8859_1), 60);
    }

    Path tty(Path dev, String name, String mode) throws IOException {
        Path p = dev.resolve(name);
        Files.createDirectories(p.getParent());
        Files.createFile(p);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    @Test
    void writesToTheUsersTerminalsWithBiffOn() throws IOException {
        Path dev = Files.createDirectory(tmp.resolve("dev"));
        Path on = tty(dev, "pts/1", "rwx------");
        Path off = tty(dev, "pts/2", "rw--w----");
        Path dead = tty(dev, "pts/3", "rwx------");
        Path other = tty(dev, "pts/4", "rwx------");
        Path dotted = tty(dev, "x.y", "rwx------");
        Path utmp = tmp.resolve("utmp");
        Files.write(utmp, utmp(List.of(new Entry(2, "~", "reboot"), new Entry(7, "pts/1", "joe"),
                new Entry(7, "pts/2", "joe"), new Entry(8, "pts/3", "joe"), new Entry(7, "pts/4", "ann"),
                new Entry(7, "x.y", "joe"), new Entry(7, "/pts/4", "joe"),
                new Entry(7, "pts/9", "joe"))));
        Cmd.Result r = qbiff(env(), MSG, utmp, dev);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out() + r.err()).isEmpty();
        assertThat(Files.readString(on, StandardCharsets.ISO_8859_1)).isEqualTo(NOTICE);
        for (Path p : List.of(off, dead, other, dotted)) assertThat(p).as(p.toString()).isEmptyFile();

        // At most 78 characters of subject and body; unprintables in the addresses become '_'.
        Files.writeString(on, "");
        Map<String, String> env = env();
        env.put("SENDER", "a\u00e9b@x.org");
        r = qbiff(env, "Subject: " + "s".repeat(50) + "\n\n" + "b".repeat(50) + "\n", utmp, dev);
        assertThat(r.exit()).isZero();
        assertThat(Files.readString(on, StandardCharsets.ISO_8859_1)).isEqualTo("\r\n\007*** TO <joe-lunch> FROM <a_b@x.org>\r\n"
                + "    " + "s".repeat(50) + "/" + "b".repeat(23) + "\r\n");

        // Without USER, SENDER or LOCAL, or without a utmp: nothing, and still exit 0.
        Files.writeString(on, "");
        env = env();
        env.remove("SENDER");
        assertThat(qbiff(env, MSG, utmp, dev).exit()).isZero();
        assertThat(qbiff(env(), MSG, tmp.resolve("no-utmp"), dev).exit()).isZero();
        assertThat(on).isEmptyFile();
    }

    @Test
    void aRealPseudoTerminalGetsTheNotice() throws Exception {
        // python keeps the pty's master, sets the slave raw (no \n -> \r\n) and biff y
        // (chmod u+x), prints the slave's name, then prints in hex what the master reads.
        String py = "import os, pty, sys, tty, select, time\n"
                + "m, s = pty.openpty()\ntty.setraw(s)\nname = os.ttyname(s)\nos.chmod(name, 0o700)\n"
                + "print(name, flush=True)\nwant = int(sys.argv[1])\nbuf = b''\nend = time.time() + 60\n"
                + "while len(buf) < want and time.time() < end:\n"
                + "    r, _, _ = select.select([m], [], [], 1)\n"
                + "    if r: buf += os.read(m, 4096)\n"
                + "print(buf.hex(), flush=True)\n";
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", py, String.valueOf(NOTICE.length()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
            String name = out.readLine();
            assertThat(name).startsWith("/dev/pts/");
            Path utmp = tmp.resolve("utmp");
            Files.write(utmp, utmp(List.of(new Entry(7, name.substring("/dev/".length()), "joe"))));
            Cmd.Result r = qbiff(env(), MSG, utmp, Path.of("/dev"));
            assertThat(r.exit()).as(r.toString()).isZero();
            String got = new String(HexFormat.of().parseHex(out.readLine()), StandardCharsets.ISO_8859_1);
            assertThat(got).isEqualTo(NOTICE);
        } finally {
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
    }
}
