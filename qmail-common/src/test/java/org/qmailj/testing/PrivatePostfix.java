package org.qmailj.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A private instance of Debian's Postfix for tests that need it as a real SMTP peer:
 * {@code postfix -c DIR/etc} with its own queue and data directories and its log in
 * {@code DIR/maillog}; the system's configuration is never read or touched. Root only (the
 * master starts as root). {@link #close} stops it and waits for the master to be gone, so the
 * caller may remove DIR afterwards.
 */
public final class PrivatePostfix implements AutoCloseable {
    private final Path dir;
    private final Path etc;

    private PrivatePostfix(Path dir, Path etc) {
        this.dir = dir;
        this.etc = etc;
    }

    /**
     * Lays out DIR/etc (Debian's master.cf, chroot off, and a main.cf of the settings every
     * such test needs followed by {@code mainCf}) and DIR/queue and DIR/data. Not started:
     * {@link #postconf} may change master.cf first.
     */
    public static PrivatePostfix configure(Path dir, List<String> mainCf) throws IOException {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Path queue = Files.createDirectories(dir.resolve("queue"));
        Path data = Files.createDirectories(dir.resolve("data"));
        run("chown", "postfix:", data.toString());
        Files.copy(Path.of("/usr/share/postfix/master.cf.dist"), etc.resolve("master.cf"));
        List<String> lines = new ArrayList<>(List.of(
                "compatibility_level = 3.6",
                "queue_directory = " + queue,
                "data_directory = " + data,
                "mail_owner = postfix",
                "setgid_group = postdrop",
                "myhostname = pf.localdomain",
                "mydestination =",
                "inet_interfaces = 127.0.0.1",
                "inet_protocols = ipv4",
                "alias_maps =",
                "alias_database =",
                "maillog_file = " + dir.resolve("maillog"),
                "biff = no"));
        lines.addAll(mainCf);
        lines.add("");
        Files.writeString(etc.resolve("main.cf"), String.join("\n", lines));
        PrivatePostfix p = new PrivatePostfix(dir, etc);
        p.postconf("-F", "*/*/chroot = n");
        return p;
    }

    /** The configuration directory, for {@code sendmail -C} and the like. */
    public Path etc() {
        return etc;
    }

    /** {@code postconf -c ETC ARGS}. */
    public void postconf(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("postconf", "-c", etc.toString()));
        cmd.addAll(List.of(args));
        run(cmd.toArray(String[]::new));
    }

    public void start() throws IOException {
        run("postfix", "-c", etc.toString(), "start");
    }

    /** Its log so far (written by postlogd, so a line may come a moment after the event). */
    public String log() throws IOException {
        Path l = dir.resolve("maillog");
        return Files.exists(l) ? Files.readString(l, StandardCharsets.ISO_8859_1) : "";
    }

    /** Stops it and waits for the master, and with it its children, to be gone. */
    @Override
    public void close() throws IOException, InterruptedException {
        Path pidfile = dir.resolve("queue/pid/master.pid");
        long master = Files.exists(pidfile) ? Long.parseLong(Files.readString(pidfile).trim()) : -1;
        Cmd.run(List.of("postfix", "-c", etc.toString(), "stop"));
        for (int i = 0; i < 600 && ProcessHandle.of(master).map(ProcessHandle::isAlive).orElse(false); i++) Thread.sleep(50);
    }

    private static void run(String... cmd) throws IOException {
        Cmd.Result r = Cmd.run(List.of(cmd));
        if (r.exit() != 0) throw new IOException(String.join(" ", cmd) + ": " + r);
    }
}
