package org.qmailj.lspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.qmailj.common.sys.Passwd;
import org.qmailj.testing.Cmd;

/** Real accounts for root tests: useradd -m with a home under a test directory; userdel -r. */
final class TestUsers {
    private TestUsers() {
    }

    record User(String name, int uid, int gid, Path home) {
    }

    static User add(String name, Path home) throws IOException {
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
