package org.qmailj.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.qmailj.testing.Cmd;

/**
 * For the tests that install on the machine itself (QMAIL_TEST_SYSTEM=1): they refuse to run
 * over a live install, and check that everything they touched outside their temporary
 * directories is as it was before.
 */
final class LiveSystem {
    static final List<String> USERS = List.of("alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails");
    static final List<String> PATHS = List.of("/var/qmail", "/usr/lib/qmail-java", "/usr/sbin/sendmail",
            "/usr/sbin/sendmail.pre-qmail", "/usr/lib/sendmail", "/usr/lib/sendmail.pre-qmail",
            "/etc/systemd/system/qmail.service", "/var/log/qmail", "/usr/local/share/man");

    private LiveSystem() {}

    /** Fails, touching nothing, if this machine has a qmail install the test did not make. */
    static void refuseOverLiveInstall() throws IOException {
        for (String p : List.of("/var/qmail", "/usr/lib/qmail-java", "/etc/systemd/system/qmail.service",
                "/usr/sbin/sendmail.pre-qmail", "/usr/lib/sendmail.pre-qmail", "/var/log/qmail")) {
            assertThat(Path.of(p)).as("refusing to run: " + p + " exists and was not made by this test (a live"
                    + " qmail install?); this test installs the real one and would clobber it").doesNotExist();
        }
        assertThat(Cmd.run(List.of("dpkg-query", "-W", "qmail-java")).exit())
                .as("refusing to run: the qmail-java package is installed on this machine").isNotZero();
    }

    /** The machine-wide paths an install changes (type, link target, tree below) and the qmail accounts. */
    static Map<String, String> state() throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (String p : PATHS) m.put(p, describe(Path.of(p)));
        for (String u : USERS) m.put("user " + u, Cmd.run(List.of("getent", "passwd", u)).out());
        for (String g : List.of("qmail", "nofiles")) m.put("group " + g, Cmd.run(List.of("getent", "group", g)).out());
        return m;
    }

    private static String describe(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) return "link " + Files.readSymbolicLink(p);
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) return "file " + Files.size(p);
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) return "none";
        try (Stream<Path> walk = Files.walk(p)) {
            return "dir " + walk.map(x -> p.relativize(x).toString()).sorted().toList();
        }
    }
}
