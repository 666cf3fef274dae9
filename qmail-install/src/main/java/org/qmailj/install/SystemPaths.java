package org.qmailj.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.qmailj.common.sys.Passwd;

/**
 * The files outside QMAIL_HOME that the system-MTA install owns, and the user database it
 * adds the qmail users to. {@code prefix} is "/" for a real install; tests give a scratch
 * directory (like DESTDIR) so they can check every file without touching the machine: then
 * the users and groups go to prefix/etc/passwd and group (useradd --prefix), and the install's
 * owners are looked up there.
 */
record SystemPaths(Path prefix) {
    static final SystemPaths REAL = new SystemPaths(Path.of("/"));

    SystemPaths {
        prefix = prefix.toAbsolutePath().normalize(); // useradd --prefix wants it absolute
    }

    Path of(String absolute) { return prefix.resolve(absolute.substring(1)); }

    Path sbinSendmail() { return of("/usr/sbin/sendmail"); }
    Path libSendmail() { return of("/usr/lib/sendmail"); }
    Path systemdUnit() { return of("/etc/systemd/system/qmail.service"); }
    Path logDir() { return of("/var/log/qmail"); }
    Path manDir() { return of("/usr/local/share/man"); }

    /** The account files useradd --prefix needs below a scratch prefix. */
    List<Path> accountFiles() {
        return List.of(of("/etc/passwd"), of("/etc/group"), of("/etc/shadow"), of("/etc/gshadow"));
    }

    boolean real() { return prefix.equals(Path.of("/")); }

    /** useradd, userdel, groupadd or groupdel with its arguments, aimed at this prefix's files. */
    List<String> accountCommand(String tool, String... args) {
        List<String> cmd = new ArrayList<>(List.of(tool));
        if (!real()) cmd.addAll(List.of("--prefix", prefix.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** uid and gid of a user; root is 0:0 in any prefix. */
    Optional<int[]> user(String name) throws IOException {
        if (real()) return Passwd.getpwnam(name).map(e -> new int[] {e.uid(), e.gid()});
        if (name.equals("root")) return Optional.of(new int[] {0, 0});
        return field(of("/etc/passwd"), name).map(f -> new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])});
    }

    Optional<Integer> group(String name) throws IOException {
        if (real()) return Passwd.getgrnam(name).map(Passwd.GroupEntry::gid);
        return field(of("/etc/group"), name).map(f -> Integer.parseInt(f[2]));
    }

    private static Optional<String[]> field(Path db, String name) throws IOException {
        try {
            for (String line : Files.readAllLines(db, StandardCharsets.UTF_8)) {
                String[] f = line.split(":", -1);
                if (f.length >= 4 && f[0].equals(name)) return Optional.of(f);
            }
        } catch (NoSuchFileException e) {
            // no users below this prefix yet
        }
        return Optional.empty();
    }
}
