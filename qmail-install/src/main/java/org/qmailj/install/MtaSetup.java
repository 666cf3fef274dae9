package org.qmailj.install;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.SysException;

/**
 * What makes a QMAIL_HOME the machine's MTA (INSTALL.ids.md, INSTALL.alias.md, SENDMAIL.md):
 * the qmail users and groups, the alias user's .qmail files and Maildir, control/defaultdelivery,
 * the supervise service directories with their log services (written by one multilogs JVM),
 * the SMTP rules, the sendmail links (the previous sendmail kept aside), a systemd unit running
 * svscan, and the man pages.
 * Everything added outside QMAIL_HOME is recorded in lib/installed for {@link Uninstall}.
 * Each step leaves what already exists alone, so running it twice changes nothing.
 */
final class MtaSetup {
    /** INSTALL.ids.md: the qmail users, with their group and home below QMAIL_HOME. */
    record QmailUser(String name, String group, String home) {}

    static final List<QmailUser> USERS = List.of(
            new QmailUser("alias", "nofiles", "alias"),
            new QmailUser("qmaild", "nofiles", ""),
            new QmailUser("qmaill", "nofiles", ""),
            new QmailUser("qmailp", "nofiles", ""),
            new QmailUser("qmailq", "qmail", ""),
            new QmailUser("qmailr", "qmail", ""),
            new QmailUser("qmails", "qmail", ""));
    static final List<String> GROUPS = List.of("nofiles", "qmail");

    /** Where SMTP listens; a test passes a loopback address and a free port. */
    record Smtp(String host, String port) {}

    private final Path home;
    private final SystemPaths sys;
    private final Smtp smtp;
    private final PrintStream err;
    private final Manifest manifest;

    MtaSetup(Path home, SystemPaths sys, Smtp smtp, PrintStream err) throws IOException {
        this.home = home;
        this.sys = sys;
        this.smtp = smtp;
        this.err = err;
        Files.createDirectories(home.resolve("lib"));
        this.manifest = Manifest.load(home);
    }

    /**
     * The users and groups, before the tree is laid out with their ids. Below a scratch prefix
     * they go to its etc/ files (created empty when missing), recorded with the prefix.
     */
    void users() throws IOException {
        if (!sys.real()) {
            for (Path f : sys.accountFiles()) {
                if (Files.exists(f, LinkOption.NOFOLLOW_LINKS)) continue;
                createDirectories(f.getParent());
                Files.createFile(f);
                manifest.add("file", f.toString());
                manifest.add("file", f + "-"); // the backup useradd and userdel keep
            }
        }
        String[] where = sys.real() ? new String[0] : new String[] {sys.prefix().toString()};
        for (String g : GROUPS) {
            if (sys.group(g).isPresent()) continue;
            run(sys.accountCommand("groupadd", "--system", g));
            manifest.add("group", concat(g, where));
        }
        for (QmailUser u : USERS) {
            if (sys.user(u.name()).isPresent()) continue;
            String dir = u.home().isEmpty() ? home.toString() : home.resolve(u.home()).toString();
            run(sys.accountCommand("useradd", "--system", "-M", "-g", u.group(), "-d", dir, "-s", "/usr/sbin/nologin", u.name()));
            manifest.add("user", concat(u.name(), where));
        }
    }

    private static String[] concat(String first, String[] rest) {
        String[] out = new String[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    /**
     * Files.createDirectories, recording each directory it creates outside QMAIL_HOME (parents
     * first) so that uninstall removes exactly those, when empty, and leaves no /var/log/qmail
     * or empty man directories behind.
     */
    private void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        createDirectories(dir.getParent());
        Files.createDirectory(dir);
        if (!dir.startsWith(home)) manifest.add("dir", dir.toString());
    }

    Manifest manifest() { return manifest; }

    /**
     * Everything after the tree: aliases, services, rules, sendmail, systemd, man pages. An
     * upgrade from netqmail ({@code upgradeScan}: the svscan directory its services live in)
     * keeps those services and that svscan: only qmail-queued joins them, and there is no
     * svscan of our own (no QMAIL_HOME/service, no qmail.service).
     */
    void rest(Ownership owners, Path upgradeScan) throws IOException {
        Path control = home.resolve("control");
        createIfMissing(control.resolve("defaultdelivery"), "./Maildir/\n", 0644);
        aliases();
        rules();
        if (upgradeScan == null) {
            services(owners);
        } else {
            queuedService(owners, false);
            Path link = upgradeScan.resolve("qmail-queued");
            Path target = home.resolve("supervise").resolve("qmail-queued");
            if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, target);
                manifest.add("link", link.toString());
            }
        }
        sendmail();
        if (upgradeScan == null) systemd();
        manPages();
    }

    private void aliases() throws IOException {
        Path alias = home.resolve("alias");
        for (String name : List.of(".qmail-postmaster", ".qmail-mailer-daemon", ".qmail-root")) {
            createIfMissing(alias.resolve(name), "", 0644);
        }
    }

    /** control/tcp.smtp: relaying for this host only; compiled by bin/tcprules when present. */
    private void rules() throws IOException {
        Path control = home.resolve("control");
        Path text = control.resolve("tcp.smtp");
        createIfMissing(text, "127.:allow,RELAYCLIENT=\"\"\n:allow\n", 0644);
        Path tcprules = home.resolve("bin").resolve("tcprules");
        Path cdb = control.resolve("tcp.smtp.cdb");
        if (Files.isExecutable(tcprules) && (!Files.exists(cdb)
                || Files.getLastModifiedTime(cdb).compareTo(Files.getLastModifiedTime(text)) < 0)) {
            ProcessBuilder pb = new ProcessBuilder(tcprules.toString(), cdb.toString(), control.resolve("tcp.smtp.tmp").toString());
            pb.redirectInput(text.toFile());
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            if (waitFor(pb.start()) != 0) err.println("qmail-install: warning: tcprules failed on " + text);
        }
    }

    private void queuedService(Ownership owners, boolean sharedLog) throws IOException {
        service(home.resolve("supervise").resolve("qmail-queued"), """
                #!/bin/sh
                # The queue writer: qmail-queue, qmail-smtpd and qmail-local queue through its
                # socket (queue/lock/qmail-queue.sock). Started as root, it becomes qmailq.
                exec env - PATH="%1$s:/usr/bin:/bin" %1$s/qmail-queued 2>&1
                """.formatted(home.resolve("bin")), "qmail-queued", owners, sharedLog);
    }

    private void services(Ownership owners) throws IOException {
        String bin = home.resolve("bin").toString();
        String ctl = home.resolve("control").toString();
        Path sup = home.resolve("supervise");
        Path svc = home.resolve("service");
        Files.createDirectories(svc);
        queuedService(owners, true);
        service(sup.resolve("qmail-send"), """
                #!/bin/sh
                # qmail-start and the four delivery daemons. Deliveries go where
                # control/defaultdelivery says; its activity record goes to log/.
                exec env - PATH="%1$s:/usr/bin:/bin" %1$s/qmail-start "`cat %2$s/defaultdelivery`"
                """.formatted(bin, ctl), "qmail-send", owners, true);
        service(sup.resolve("qmail-smtpd"), """
                #!/bin/sh
                # SMTP on %3$s port %4$s, run as qmaild:nofiles; relaying by control/tcp.smtp
                # (recompile with: tcprules tcp.smtp.cdb tcp.smtp.tmp < tcp.smtp).
                # -c 40 sessions at once; -b 512: clients beyond that wait in the kernel's
                # accept queue instead of having their SYNs dropped (ucspi-tcp's -b 20).
                QMAILDUID=`id -u qmaild`
                NOFILESGID=`id -g qmaild`
                exec %1$s/tcpserver -v -R -l "`head -1 %2$s/me`" -x %2$s/tcp.smtp.cdb -c 40 -b 512 \\
                  -u "$QMAILDUID" -g "$NOFILESGID" %3$s %4$s %1$s/qmail-smtpd 2>&1
                """.formatted(bin, ctl, smtp.host(), smtp.port()), "qmail-smtpd", owners, true);
        submissionService(owners);
        logService(LOGGED, owners);
        for (String name : List.of("qmail-log", "qmail-queued", "qmail-send", "qmail-smtpd", "qmail-submission")) {
            Path link = svc.resolve(name);
            if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) Files.createSymbolicLink(link, sup.resolve(name));
        }
    }

    /**
     * Mail submission (RFC 6409) on port 587 of the SMTP address: qmail-smtpd with SUBMISSION
     * set, so MAIL needs a successful AUTH. Created down (a {@code down} file, only when the
     * service is new, so a later install never takes it down again): it is of use only once
     * control/servercert.pem and control/authprogram exist.
     */
    private void submissionService(Ownership owners) throws IOException {
        String bin = home.resolve("bin").toString();
        String ctl = home.resolve("control").toString();
        Path dir = home.resolve("supervise").resolve("qmail-submission");
        boolean fresh = !Files.exists(dir.resolve("run"));
        service(dir, """
                #!/bin/sh
                # Mail submission (RFC 6409) on %3$s port 587: MAIL only after AUTH, which is
                # offered after STARTTLS (%2$s/servercert.pem, readable by qmaild) and checked by
                # the checkpassword program in %2$s/authprogram (run as qmaild). Down until
                # those exist: rm down; svc -u this directory.
                QMAILDUID=`id -u qmaild`
                NOFILESGID=`id -g qmaild`
                SUBMISSION=1
                export SUBMISSION
                exec %1$s/tcpserver -v -R -l "`head -1 %2$s/me`" -c 40 -b 512 \\
                  -u "$QMAILDUID" -g "$NOFILESGID" %3$s 587 %1$s/qmail-smtpd 2>&1
                """.formatted(bin, ctl, smtp.host()), "qmail-submission", owners, true);
        if (fresh) writeIfChanged(dir.resolve("down"), "", 0644);
    }

    /** The services whose logs the qmail-log service writes. */
    static final List<String> LOGGED = List.of("qmail-queued", "qmail-send", "qmail-smtpd", "qmail-submission");

    /**
     * The qmail-log service: one multilogs JVM (as qmaill) writes every service's log, instead
     * of a multilog JVM per service (about 15 MiB of PSS each). Service NAME's log/run passes
     * what supervise's pipe brings on to fifo/NAME here with cat(1), holding the fifo open for
     * reading too ({@code 1<>}), so that a write never fails and what is in the fifo waits there
     * while multilogs restarts, as it waits in the pipe for a restarted multilog.
     */
    private void logService(List<String> names, Ownership owners) throws IOException {
        String bin = home.resolve("bin").toString();
        Path dir = home.resolve("supervise").resolve("qmail-log");
        Path fifos = dir.resolve("fifo");
        Files.createDirectories(fifos);
        Files.setAttribute(dir, "unix:mode", 01755);
        Files.setAttribute(fifos, "unix:mode", 0755);
        StringBuilder groups = new StringBuilder();
        for (String name : names) {
            Path fifo = fifos.resolve(name);
            if (!Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Fifo.make(fifo, 0600);
                } catch (SysException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
            // chmod(2) by path: with NOFOLLOW_LINKS the JDK opens the file to fchmod it, and
            // opening a fifo nobody writes blocks.
            Files.setAttribute(fifo, "unix:mode", 0600);
            if (!owners.sandbox()) {
                Files.setAttribute(fifo, "unix:uid", owners.uid("qmaill"), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(fifo, "unix:gid", owners.ids().userGid("qmaill"), LinkOption.NOFOLLOW_LINKS);
            }
            if (!groups.isEmpty()) groups.append(" :: \\\n");
            groups.append("  ").append(fifo).append(" t ").append(sys.logDir().resolve(name));
        }
        // svscan-inprocess, stopping, takes this service down after the others (their last
        // lines come through the fifos).
        createIfMissing(dir.resolve("stoplast"), "", 0644);
        writeIfChanged(dir.resolve("run"), """
                #!/bin/sh
                # Every service's log, in one JVM: multilogs reads fifo/NAME, which service
                # NAME's log/run feeds, and writes it as `multilog t DIR` would. svc -a here
                # rotates every log; svc -d here holds the services' logs (and then the
                # services) until svc -u. ./stoplast: svscan-inprocess stops this one last.
                exec env - PATH="%1$s:/usr/bin:/bin" %1$s/setuidgid qmaill %1$s/multilogs \\
                %2$s
                """.formatted(bin, groups), 0755);
    }

    private void service(Path dir, String run, String logName, Ownership owners, boolean sharedLog) throws IOException {
        Files.createDirectories(dir.resolve("log"));
        Files.setAttribute(dir, "unix:mode", 01755);
        writeIfChanged(dir.resolve("run"), run, 0755);
        Path logDir = sys.logDir().resolve(logName);
        createDirectories(logDir);
        if (!owners.sandbox()) {
            // The directory and what an earlier install's multilog left in it (uninstall keeps
            // logs): qmaill may have another uid now, and multilog must open lock and current.
            try (Stream<Path> files = Stream.concat(Stream.of(logDir), Files.list(logDir))) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.setAttribute(f, "unix:uid", owners.uid("qmaill"), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(f, "unix:gid", owners.ids().userGid("qmaill"), LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
        Files.setAttribute(logDir, "unix:mode", 0750);
        String logRun = sharedLog ? """
                #!/bin/sh
                # To the qmail-log service, whose multilogs writes %3$s.
                fifo=%2$s
                test -p "$fifo" || { echo "$fifo is not a named pipe: run qmail-install --mta again" >&2; exit 111; }
                exec %1$s/setuidgid qmaill /bin/cat 1<>"$fifo"
                """.formatted(home.resolve("bin"), home.resolve("supervise/qmail-log/fifo").resolve(logName), logDir)
                : """
                #!/bin/sh
                exec %1$s/setuidgid qmaill %1$s/multilog t %2$s
                """.formatted(home.resolve("bin"), logDir);
        if (writeIfChanged(dir.resolve("log").resolve("run"), logRun, 0755)) restartIfRunning(dir.resolve("log"));
    }

    /**
     * svc -t for a log service whose run script changed under a running supervise (an install
     * over an earlier one), so the new script takes over now: an old multilog would otherwise
     * hold its directory's lock, and multilogs could not take it.
     */
    private void restartIfRunning(Path service) throws IOException {
        Path svc = home.resolve("bin").resolve("svc");
        if (!Files.isExecutable(svc) || !Files.exists(service.resolve("supervise/control"), LinkOption.NOFOLLOW_LINKS)) return;
        quiet(svc.toString(), "-t", service.toString()); // fails when no supervise runs there: then the next start runs the new script
    }

    /** SENDMAIL.md: /usr/sbin/sendmail and /usr/lib/sendmail become ours; a previous one is kept aside. */
    private void sendmail() throws IOException {
        Path ours = home.resolve("bin").resolve("sendmail");
        for (Path link : List.of(sys.sbinSendmail(), sys.libSendmail())) {
            createDirectories(link.getParent());
            if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(ours)) continue;
            if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Path aside = link.resolveSibling(link.getFileName() + ".pre-qmail");
                if (Files.exists(aside, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException(link + " is not ours and " + aside + " exists already: move one of them away first");
                }
                Files.move(link, aside);
                manifest.add("moved", link.toString(), aside.toString());
            }
            Files.createSymbolicLink(link, ours);
            manifest.add("link", link.toString());
        }
    }

    private void systemd() throws IOException {
        Path unit = sys.systemdUnit();
        createDirectories(unit.getParent());
        writeIfChanged(unit, """
                [Unit]
                Description=qmail in Java: svscan %1$s/service
                After=network.target

                [Service]
                ExecStart=%1$s/bin/svscan-inprocess %1$s/service
                Restart=always

                [Install]
                WantedBy=multi-user.target
                """.formatted(home), 0644);
        manifest.add("file", unit.toString());
    }

    private void manPages() throws IOException {
        Path src = home.resolve("man");
        if (!Files.isDirectory(src)) return;
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                Path target = sys.manDir().resolve(src.relativize(p).toString());
                createDirectories(target.getParent());
                Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                manifest.add("file", target.toString());
            }
        }
    }

    /** True when {@code f} was written (it was missing or said something else). */
    private boolean writeIfChanged(Path f, String content, int mode) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (Files.exists(f) && Arrays.equals(Files.readAllBytes(f), bytes)) return false;
        Path tmp = f.resolveSibling(f.getFileName() + ".new");
        Files.write(tmp, bytes);
        Files.setAttribute(tmp, "unix:mode", mode);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    private static void createIfMissing(Path f, String content, int mode) throws IOException {
        if (Files.exists(f, LinkOption.NOFOLLOW_LINKS)) return;
        Files.writeString(f, content, StandardCharsets.ISO_8859_1);
        Files.setAttribute(f, "unix:mode", mode);
    }

    private void run(List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (waitFor(p) != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
    }

    /** Runs {@code cmd}, its output discarded; its exit code. */
    static int quiet(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return waitFor(p);
    }

    static int waitFor(Process p) throws IOException {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
