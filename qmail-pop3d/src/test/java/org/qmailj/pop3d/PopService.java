package org.qmailj.pop3d;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qmailj.common.sys.Proc;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.DefaultSignals;
import org.qmailj.testing.ProcessTrees;

/**
 * The classic POP3 service, for real: Debian's tcpserver on an ephemeral port running
 * {@code qmail-popup pop.example checkpassword qmail-pop3d Maildir}, where qmail-popup and
 * qmail-pop3d are our programs (a JVM each) and checkpassword is a bash script implementing
 * the interface: it reads name, password and timestamp from descriptor 3, accepts bob with
 * "secret" (or APOP's MD5 of the timestamp and "secret"), logs what it got and each session it
 * starts, changes to bob's home and execs its arguments. As root it first gives the home to
 * uid 65534 and runs the subprogram as that uid (qmail-pop3d refuses root).
 */
final class PopService implements AutoCloseable {
    static final String SECRET = "secret";

    final Path base;
    final Path bin;
    final Path home;
    final Path maildir;
    final Path log;
    private Process tcpserver;
    int port;

    PopService(Path base) throws IOException {
        this.base = base;
        bin = Files.createDirectories(base.resolve("bin"));
        home = Files.createDirectories(base.resolve("home/bob"));
        maildir = home.resolve("Maildir");
        log = Files.createDirectories(base.resolve("log"));
        for (String d : List.of("new", "cur", "tmp")) Files.createDirectories(maildir.resolve(d));
        // As root the subprogram runs as another uid, which must reach the code and the home.
        run("chmod", "755", base.toString(), base.resolve("home").toString());
        String cp = readableClassPath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jvm = java + " -XX:+UseSerialGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -Xmx16m"
                + " --enable-native-access=ALL-UNNAMED -cp " + cp;
        script("qmail-popup", "#!/bin/sh\nexec " + jvm + " org.qmailj.pop3d.QmailPopup \"$@\"\n");
        script("qmail-pop3d", "#!/bin/sh\nexec " + jvm + " org.qmailj.pop3d.QmailPop3d \"$@\"\n");
        script("checkpassword", """
                #!/bin/bash
                IFS= read -r -d '' user <&3 || exit 2
                IFS= read -r -d '' pass <&3 || exit 2
                IFS= read -r -d '' ts <&3 || exit 2
                printf '%s|%s|%s\\n' "$user" "$pass" "$ts" >> @LOG@/fd3
                [ "$user" = bob ] || exit 1
                if [ "$pass" != @SECRET@ ]; then
                  digest=$(printf '%s%s' "$ts" @SECRET@ | md5sum | cut -d' ' -f1)
                  [ "$pass" = "$digest" ] || exit 1
                fi
                cd @HOME@ || exit 111
                echo "$*" >> @LOG@/sessions
                export USER=bob HOME=@HOME@
                if [ "$(id -u)" = 0 ]; then
                  chown -R 65534:65534 .
                  exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
                fi
                exec "$@"
                """.replace("@LOG@", log.toString()).replace("@HOME@", home.toString()).replace("@SECRET@", SECRET));
    }

    private void script(String name, String text) throws IOException {
        Path p = bin.resolve(name);
        Files.writeString(p, text);
        run("chmod", "755", p.toString());
    }

    /** The code of this module, qmail-smtpd (Wire) and qmail-common, copied where any uid can read it. */
    private String readableClassPath() throws IOException {
        Path dir = Files.createDirectories(base.resolve("cp"));
        StringBuilder cp = new StringBuilder();
        int i = 0;
        for (Class<?> c : List.of(QmailPop3d.class, org.qmailj.smtpd.Wire.class, org.qmailj.common.Exit.class)) {
            Path src;
            try {
                src = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (java.net.URISyntaxException e) {
                throw new IOException(e);
            }
            Path dst = dir.resolve("e" + i++ + (Files.isDirectory(src) ? "" : ".jar"));
            run("cp", "-r", src.toString(), dst.toString());
            cp.append(cp.isEmpty() ? "" : ":").append(dst);
        }
        run("chmod", "-R", "a+rX", dir.toString());
        return cp.toString();
    }

    static void run(String... command) throws IOException {
        Cmd.Result r = Cmd.run(List.of(command));
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    /** A message in the maildir ({@code new/NAME} or {@code cur/NAME:2,}), {@code age} seconds old. */
    Path message(String fn, byte[] content, long age) throws IOException {
        Path p = maildir.resolve(fn);
        Files.write(p, content);
        Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - age * 1000));
        return p;
    }

    Path message(String fn, String content, long age) throws IOException {
        return message(fn, content.getBytes(StandardCharsets.ISO_8859_1), age);
    }

    PopService start() throws IOException {
        ProcessBuilder pb = DefaultSignals.builder("/usr/bin/tcpserver", "-1", "-R", "-H", "-l", "pop.example",
                "127.0.0.1", "0", "qmail-popup", "pop.example", "checkpassword", "qmail-pop3d", "Maildir");
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        tcpserver = pb.start();
        String line = new BufferedReader(new InputStreamReader(tcpserver.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        assertThat(line).as("tcpserver's port").matches("\\d+");
        port = Integer.parseInt(line);
        return this;
    }

    /** Runs a Python 3 script (Debian's, with poplib) with PORT set; its stdout. */
    String python(String script) throws IOException {
        Cmd.Result r = Cmd.run(List.of("/usr/bin/python3", "-c", script), Map.of("PORT", Integer.toString(port)), base,
                new byte[0], 180);
        assertThat(r.exit()).as(r.toString()).isZero();
        return r.out();
    }

    /** The sessions checkpassword started, one line each. */
    List<String> sessions() throws IOException {
        Path p = log.resolve("sessions");
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    List<String> fd3() throws IOException {
        Path p = log.resolve("fd3");
        return Files.exists(p) ? Files.readAllLines(p, StandardCharsets.ISO_8859_1) : List.of();
    }

    List<String> names(String sub) throws IOException {
        try (var s = Files.list(maildir.resolve(sub))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static boolean root() {
        return Proc.getuid() == 0;
    }

    /** Stops tcpserver and waits for every connection's processes (a client has closed by then). */
    @Override
    public void close() {
        if (tcpserver == null) return;
        List<ProcessHandle> all = new ArrayList<>(ProcessTrees.snapshot(tcpserver.toHandle()));
        tcpserver.destroy();
        ProcessTrees.awaitGone(all, 60);
    }
}
