package org.qmailj.install;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.qmailj.common.sys.Lock;
import org.qmailj.common.sys.SysException;

/**
 * qmail-install --mta over a QMAIL_HOME where netqmail runs (the module README, "Upgrading
 * from netqmail"): netqmail's bin/ and man/ are renamed aside to bin.netqmail-DATE and
 * man.netqmail-DATE (what {@link Rollback} renames back), programs of the old bin/ that this
 * tree lacks are copied into the new one, and the services of the existing svscan directory
 * (/service) keep their run scripts, except that a softlimit memory limit too small for a JVM
 * is raised (the old script kept as run.netqmail-DATE). The queue, control/, users/, alias/,
 * rc and boot/ are left as they are. Every step is recorded in lib/installed.
 */
final class Upgrade {
    /** The softlimit -m/-a/-d a JVM program gets: measured, qmail-smtpd needs ~1 GB of address space. */
    static final long JVM_LIMIT = 3_000_000_000L;
    /** What the installer renames aside; the rest of QMAIL_HOME stays. */
    static final List<String> REPLACED = List.of("bin", "man");
    private static final Pattern SOFTLIMIT = Pattern.compile("(softlimit)((?:[ \\t]+-[a-zA-Z][ \\t]*\\d+)+)");
    private static final Pattern LIMIT = Pattern.compile("(-[mad])([ \\t]*)(\\d+)");
    private static final Pattern LOCAL_BIN = Pattern.compile("/usr/local/bin/([A-Za-z0-9_.-]+)");

    private final Path home;
    private final SystemPaths sys;
    private final PrintStream err;
    private final String suffix;

    private final boolean fresh;

    private Upgrade(Path home, SystemPaths sys, PrintStream err, boolean fresh) {
        this.home = home;
        this.sys = sys;
        this.err = err;
        this.fresh = fresh;
        this.suffix = ".netqmail-" + LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);
    }

    /**
     * A QMAIL_HOME is netqmail's when it has a bin/qmail-send and none of this suite's lib/ids
     * (which every install of ours writes) and lib/installed records no upgrade yet: then the
     * upgrade starts ({@code fresh}). A later --mta (or one run again after a failure) finds the
     * record and goes on with the upgrade's services without setting anything aside again.
     */
    static Optional<Upgrade> detect(Path home, SystemPaths sys, Manifest manifest, PrintStream err) {
        if (manifest.hasKind("upgraded")) return Optional.of(new Upgrade(home, sys, err, false));
        boolean netqmail = Files.exists(home.resolve("bin/qmail-send"), LinkOption.NOFOLLOW_LINKS)
                && !Files.exists(home.resolve("lib/ids"), LinkOption.NOFOLLOW_LINKS);
        return netqmail ? Optional.of(new Upgrade(home, sys, err, true)) : Optional.empty();
    }

    /** The supervise scan directory netqmail's services live in: /service, else /etc/service. */
    static Optional<Path> scanDir(SystemPaths sys) {
        for (String d : List.of("/service", "/etc/service")) {
            Path p = sys.of(d);
            if (Files.isDirectory(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /**
     * Before the new tree is copied: refuses while a qmail-send holds lock/sendmutex (a binary
     * switched under a running qmail-send would be exec'd mid-delivery), then renames bin/ and
     * man/ aside. The renames are atomic; a failure after them is undone by --rollback.
     */
    void setAside(Manifest manifest) throws IOException {
        if (!fresh) return; // done by the first run; our qmail-send may be running now
        refuseWhileQmailSendRuns(home);
        for (String name : REPLACED) {
            Path old = home.resolve(name);
            if (!Files.isDirectory(old, LinkOption.NOFOLLOW_LINKS)) continue;
            Path aside = freeName(home.resolve(name + suffix));
            Files.move(old, aside, StandardCopyOption.ATOMIC_MOVE);
            manifest.add("upgraded", old.toString(), aside.toString());
            err.println("qmail-install: netqmail's " + old + " kept as " + aside);
        }
    }

    static void refuseWhileQmailSendRuns(Path home) throws IOException {
        Path mutex = home.resolve("queue/lock/sendmutex");
        if (!Files.exists(mutex)) return;
        try {
            Optional<Lock> lock = Lock.tryExclusive(mutex);
            if (lock.isEmpty()) {
                throw new IOException("qmail-send is running (" + mutex + " is locked): stop it first,"
                        + " e.g. svc -d /service/qmail-send /service/qmail-smtpd, and wait until svstat says down");
            }
            lock.get().close();
        } catch (SysException e) {
            throw new IOException("cannot lock " + mutex + ": " + e.getMessage());
        }
    }

    private static Path freeName(Path p) {
        Path candidate = p;
        for (int i = 2; Files.exists(candidate, LinkOption.NOFOLLOW_LINKS); i++) candidate = p.resolveSibling(p.getFileName() + "-" + i);
        return candidate;
    }

    /**
     * After the new tree is copied: netqmail programs this tree does not provide (qmail-popup,
     * qmail-pop3d, ...) are copied into the new bin/, so services that run them keep working.
     */
    void carryOver(Manifest manifest) throws IOException {
        Path bin = home.resolve("bin");
        Path aside = asideOf(manifest, bin);
        if (aside == null) return;
        List<String> carried = new ArrayList<>();
        try (Stream<Path> s = Files.list(aside)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                Path target = bin.resolve(p.getFileName().toString());
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(p)) continue;
                Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                carried.add(p.getFileName().toString());
            }
        }
        if (!carried.isEmpty()) err.println("qmail-install: netqmail programs kept in " + bin + ": " + String.join(" ", carried));
    }

    private static Path asideOf(Manifest manifest, Path original) {
        for (String[] e : manifest.reversed()) {
            if (e[0].equals("upgraded") && e[1].equals(original.toString())) return Path.of(e[2]);
        }
        return null;
    }

    /**
     * The existing services: their run scripts keep naming /var/qmail/bin/... (now ours) and
     * /usr/local/bin/... (daemontools' and ucspi-tcp's, which stay). A /usr/local/bin program
     * a script names that does not exist is linked to ours; a softlimit memory limit below
     * {@link #JVM_LIMIT} in a script that runs one of our programs is raised to it.
     */
    void adaptServices(Path scan, Manifest manifest) throws IOException {
        TreeSet<String> named = new TreeSet<>();
        for (Path run : runScripts(scan)) {
            String text = Files.readString(run, StandardCharsets.ISO_8859_1);
            Matcher m = LOCAL_BIN.matcher(text);
            while (m.find()) named.add(m.group(1));
            if (text.contains(home.resolve("bin") + "/")) raiseLimits(run, text, manifest);
        }
        Path localBin = sys.of("/usr/local/bin");
        for (String name : named) {
            Path ours = home.resolve("bin").resolve(name);
            Path link = localBin.resolve(name);
            if (Files.exists(link, LinkOption.NOFOLLOW_LINKS) || !Files.isExecutable(ours)) continue;
            createDirectories(localBin, manifest);
            Files.createSymbolicLink(link, ours);
            manifest.add("link", link.toString());
            err.println("qmail-install: " + link + " was missing: linked to " + ours);
        }
    }

    private void createDirectories(Path dir, Manifest manifest) throws IOException {
        if (Files.isDirectory(dir)) return;
        createDirectories(dir.getParent(), manifest);
        Files.createDirectory(dir);
        manifest.add("dir", dir.toString());
    }

    /** run and log/run of every service in the scan directory. */
    private static List<Path> runScripts(Path scan) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(scan)) {
            for (Path svc : (Iterable<Path>) s.sorted()::iterator) {
                for (Path run : List.of(svc.resolve("run"), svc.resolve("log/run"))) if (Files.isRegularFile(run)) out.add(run);
            }
        }
        return out;
    }

    private void raiseLimits(Path run, String text, Manifest manifest) throws IOException {
        // Only softlimit's own options: "softlimit -m N -o M prog ..." up to the first non-option.
        Matcher cmd = SOFTLIMIT.matcher(text);
        StringBuilder out = new StringBuilder();
        boolean changed = false;
        while (cmd.find()) {
            Matcher m = LIMIT.matcher(cmd.group(2));
            StringBuilder opts = new StringBuilder();
            while (m.find()) {
                boolean small = m.group(3).length() < 10 || Long.parseLong(m.group(3)) < JVM_LIMIT;
                m.appendReplacement(opts, Matcher.quoteReplacement(small ? m.group(1) + m.group(2) + JVM_LIMIT : m.group()));
                changed |= small;
            }
            m.appendTail(opts);
            cmd.appendReplacement(out, Matcher.quoteReplacement(cmd.group(1) + opts));
        }
        cmd.appendTail(out);
        if (!changed) return;
        Path real = run.toRealPath();
        Path saved = freeName(real.resolveSibling("run" + suffix));
        Files.copy(real, saved, StandardCopyOption.COPY_ATTRIBUTES);
        Path tmp = real.resolveSibling("run.new");
        Files.writeString(tmp, out, StandardCharsets.ISO_8859_1);
        Files.setAttribute(tmp, "unix:mode", Files.getAttribute(real, "unix:mode"));
        Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        manifest.add("rewrote", real.toString(), saved.toString());
        err.println("qmail-install: " + real + ": softlimit raised to " + JVM_LIMIT + " for the JVM (the old script kept as " + saved + ")");
    }
}
