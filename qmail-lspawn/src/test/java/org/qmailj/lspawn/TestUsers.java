package org.qmailj.lspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.qmailj.common.sys.Passwd;
import org.qmailj.testing.Cmd;

/**
 * Real accounts for root tests: useradd -m with a home under a test directory; userdel -r.
 * The account names are fixed (the tests' addresses spell them), so two runs on one machine
 * (two clones, two developers) would delete and recreate each other's users mid-test: the
 * first add takes a machine-wide lock that this JVM holds until it exits.
 */
final class TestUsers {
    private static final Path LOCK = Path.of("/run/lock/qmail-java-test-users.lock");
    private static java.nio.channels.FileLock held;

    private TestUsers() {
    }

    /** Waits (up to 15 minutes) until no other test JVM on this machine uses the test accounts. */
    private static synchronized void exclusive() throws IOException {
        if (held != null) return;
        java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(LOCK,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(15);
        while ((held = ch.tryLock()) == null) {
            if (System.nanoTime() > end) throw new AssertionError("another test run holds " + LOCK + " for 15 minutes");
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
    }

    record User(String name, int uid, int gid, Path home) {
    }

    static User add(String name, Path home) throws IOException {
        exclusive();
        remove(name);
        Cmd.Result r = Cmd.run(List.of("useradd", "-m", "-d", home.toString(), "-s", "/bin/sh", "-U", name));
        assertThat(r.exit()).as(r.toString()).isZero();
        Files.setAttribute(home, "unix:mode", 0755);
        Passwd.PasswdEntry pw = Passwd.getpwnam(name).orElseThrow();
        return new User(name, pw.uid(), pw.gid(), home);
    }

    static void remove(String name) throws IOException {
        Cmd.run(List.of("userdel", "-r", "-f", name));
        Cmd.run(List.of("groupdel", name));
    }

    /** Writes a file owned by the user with the given mode. */
    static Path file(User u, String rel, String contents, int mode) throws IOException {
        Path f = u.home().resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, contents, StandardCharsets.ISO_8859_1);
        Files.setAttribute(f, "unix:uid", u.uid());
        Files.setAttribute(f, "unix:gid", u.gid());
        Files.setAttribute(f, "unix:mode", mode);
        return f;
    }

    static Path maildir(User u, String rel) throws IOException {
        Path md = u.home().resolve(rel);
        for (String d : List.of("", "tmp", "new", "cur")) {
            Path x = Files.createDirectories(md.resolve(d));
            Files.setAttribute(x, "unix:uid", u.uid());
            Files.setAttribute(x, "unix:gid", u.gid());
            Files.setAttribute(x, "unix:mode", 0700);
        }
        return md;
    }

    static List<Path> list(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
