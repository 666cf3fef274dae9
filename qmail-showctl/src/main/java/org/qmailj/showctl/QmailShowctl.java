package org.qmailj.showctl;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.control.ControlFile;
import org.qmailj.common.queue.QueueLayout;

/**
 * qmail-showctl - analyze the qmail configuration files.
 *
 * <p>Writes the explanation to stdout; exits 111 when QMAIL_HOME/control cannot be read.
 * Runs on the main thread only.
 */
public final class QmailShowctl {
    /** Highest concurrencylocal/concurrencyremote this suite accepts. */
    public static final int CONCURRENCY_LIMIT = 65000;

    private final Path control;
    private final StringBuilder out = new StringBuilder();
    private Optional<String> me = Optional.empty();
    private TlsControls tls;

    QmailShowctl(Path control) {
        this.control = control;
    }

    public static void main(String[] args) {
        QmailHome home = QmailHome.current();
        PrintStream stdout = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.ISO_8859_1);
        int exit = new QmailShowctl(home.control().dir()).run(home, stdout);
        stdout.flush();
        Exit.now(exit);
    }

    /** The start-up path without System.exit, for the AOT training run. */
    public static int train(QmailHome home, PrintStream stdout) {
        return new QmailShowctl(home.control().dir()).run(home, stdout);
    }

    int run(QmailHome home, PrintStream stdout) {
        out.append("qmail home directory: ").append(home.root()).append(".\n");
        out.append("user-ext delimiter: -.\n");
        out.append("paternalism (in decimal): 2.\n");
        out.append("silent concurrency limit: ").append(CONCURRENCY_LIMIT).append(".\n");
        out.append("subdirectory split: ").append(QueueLayout.SPLIT).append(".\n");
        try {
            QmailIds ids = QmailIds.read(home);
            out.append("user ids: ");
            for (int i = 0; i < QmailIds.USERS.length; i++) {
                out.append(i == 0 ? "" : ", ").append(ids.uid(QmailIds.USERS[i]));
            }
            out.append(".\ngroup ids: ").append(ids.gid("nofiles")).append(", ").append(ids.gid("qmail")).append(".\n");
        } catch (IOException e) {
            out.append("Oops! ").append(e.getMessage()).append(".\n");
        }
        if (!Files.isDirectory(control)) {
            out.append("Oops! Unable to chdir to control.\n");
            return finish(stdout, 111);
        }
        try {
            me = ControlFile.readLine(control.resolve("me"));
        } catch (ControlException e) {
            out.append("Oops! Trouble reading control/me.");
            return finish(stdout, 111);
        }
        tls = new TlsControls(home, control, out);
        explain();
        new HealthCheck(home, control, out).run();
        return finish(stdout, 0);
    }

    private int finish(PrintStream stdout, int exit) {
        stdout.print(out);
        return exit;
    }

    private static final Set<String> KNOWN = Set.of("authprogram", "badmailfrom", "bouncefrom", "bouncehost", "concurrencylocal",
            "concurrencyremote", "databytes", "defaultdomain", "dkim", "defaulthost", "doublebouncehost", "doublebounceto",
            "envnoathost", "helohost", "idhost", "localiphost", "locals", "maxrcpt", "maxrcptbytes", "me", "morercpthosts", "morercpthosts.cdb",
            "percenthack", "plusdomain", "qmqpservers", "queuelifetime", "rcpthosts", "servercert.pem", "smtpgreeting", "smtproutes",
            "statusaddr", "statusaddr-queued", "statusaddr-smtpd", "timeoutconnect", "timeoutremote", "timeoutsmtpd",
            "tlsdestinations", "tlsserverciphers", "virtualdomains");

    private void explain() {
        // Not netqmail's: qmail-smtpd's AUTH, STARTTLS and qmail-remote's TLS and DKIM files (TlsControls).
        tls.authprogram();
        list("badmailfrom", "Any MAIL FROM is allowed.", "", " not accepted in MAIL FROM.");
        str("bouncefrom", false, "MAILER-DAEMON", "Bounce user name is ");
        str("bouncehost", true, "bouncehost", "Bounce host name is ");
        integer("concurrencylocal", "10", "Local concurrency is ", "");
        integer("concurrencyremote", "20", "Remote concurrency is ", "");
        integer("databytes", "0", "SMTP DATA limit is ", " bytes");
        str("defaultdomain", true, "defaultdomain", "Default domain name is ");
        str("defaulthost", true, "defaulthost", "Default host name is ");
        tls.dkim();
        str("doublebouncehost", true, "doublebouncehost", "2B recipient host: ");
        str("doublebounceto", false, "postmaster", "2B recipient user: ");
        str("envnoathost", true, "envnoathost", "Presumed domain name is ");
        str("helohost", true, "helohost", "SMTP client HELO host name is ");
        str("idhost", true, "idhost", "Message-ID host name is ");
        str("localiphost", true, "localiphost", "Local IP address becomes ");
        list("locals", "Messages for me are delivered locally.", "Messages for ", " are delivered locally.");
        // Not netqmail's: qmail-smtpd's (and qmail-qmtpd's, qmail-qmqpd's) recipient limits.
        integer("maxrcpt", "100", "SMTP recipients per message limit is ", "");
        integer("maxrcptbytes", "16384", "SMTP recipient address bytes per message limit is ", "");
        str("me", false, "undefined! Uh-oh", "My name is ");
        list("percenthack", "The percent hack is not allowed.", "The percent hack is allowed for user%host@", ".");
        str("plusdomain", true, "plusdomain", "Plus domain name is ");
        list("qmqpservers", "No QMQP servers.", "QMQP server: ", ".");
        integer("queuelifetime", "604800", "Message lifetime in the queue is ", " seconds");
        if (list("rcpthosts", "SMTP clients may send messages to any recipient.", "SMTP clients may send messages to recipients at ", ".") == 1) {
            list("morercpthosts", "No effect.", "SMTP clients may send messages to recipients at ", ".");
        } else {
            list("morercpthosts", "No rcpthosts; morercpthosts is irrelevant.", "No rcpthosts; doesn't matter that morercpthosts has ", ".");
        }
        out.append("\nmorercpthosts.cdb: ").append(morercpthostsCdb()).append("\n");
        tls.servercert();
        str("smtpgreeting", true, "smtpgreeting", "SMTP greeting: 220 ");
        list("smtproutes", "No artificial SMTP routes.", "SMTP route: ", "");
        // Not netqmail's, explained only when present (netqmail's output is unchanged without them).
        ifPresent("statusaddr", "qmail-send serves /metrics and its status page on ");
        ifPresent("statusaddr-queued", "qmail-queued serves /metrics on ");
        ifPresent("statusaddr-smtpd", "tcpserver running qmail-smtpd serves /metrics (unless $STATUSADDR says otherwise) on ");
        integer("timeoutconnect", "60", "SMTP client connection timeout is ", " seconds");
        integer("timeoutremote", "1200", "SMTP client data timeout is ", " seconds");
        integer("timeoutsmtpd", "1200", "SMTP server data timeout is ", " seconds");
        tls.tlsdestinations();
        tls.tlsserverciphers();
        list("virtualdomains", "No virtual domains.", "Virtual domain: ", "");
        for (String name : unknownFiles()) {
            out.append("\n").append(name).append(": I have no idea what this file does.\n");
        }
    }

    private String morercpthostsCdb() {
        Path txt = control.resolve("morercpthosts");
        Path cdb = control.resolve("morercpthosts.cdb");
        if (!Files.exists(txt)) {
            return Files.exists(cdb) ? "Oops! morercpthosts.cdb exists but morercpthosts doesn't." : "(Default.) No effect.";
        }
        if (!Files.exists(cdb)) return "Oops! morercpthosts exists but morercpthosts.cdb doesn't.";
        try {
            long t = Files.getLastModifiedTime(txt).toMillis() / 1000;
            long c = Files.getLastModifiedTime(cdb).toMillis() / 1000;
            return t > c ? "Oops! morercpthosts.cdb is older than morercpthosts." : "Modified recently enough; hopefully up to date.";
        } catch (IOException e) {
            return "Oops! Trouble reading this file.";
        }
    }

    private Set<String> unknownFiles() {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.list(control)) {
            s.map(p -> p.getFileName().toString()).filter(n -> !KNOWN.contains(n)).forEach(names::add);
        } catch (IOException e) {
            // the known files were explained already; an unreadable listing just shows none
        }
        return names;
    }

    private void integer(String name, String def, String pre, String post) {
        out.append("\n").append(name).append(": ");
        try {
            Optional<Long> v = ControlFile.readInt(control.resolve(name));
            if (v.isEmpty()) out.append("(Default.) ").append(pre).append(def).append(post).append(".\n");
            else out.append(pre).append(v.get()).append(post).append(".\n");
        } catch (ControlException e) {
            out.append("Oops! Trouble reading this file.\n");
        }
    }

    private void str(String name, boolean defaultIsMe, String def, String pre) {
        out.append("\n").append(name).append(": ");
        try {
            Optional<String> v = ControlFile.readLine(control.resolve(name));
            String value;
            if (v.isPresent()) {
                value = v.get();
            } else {
                out.append("(Default.) ");
                value = defaultIsMe && me.isPresent() ? me.get() : def;
            }
            out.append(pre).append(printable(value)).append(".\n");
        } catch (ControlException e) {
            out.append("Oops! Trouble reading this file.\n");
        }
    }

    private void ifPresent(String name, String pre) {
        if (Files.exists(control.resolve(name))) str(name, false, "", pre);
    }

    /** 0 when missing, 1 when present, -1 when unreadable, as the callers need to tell. */
    private int list(String name, String def, String pre, String post) {
        out.append("\n").append(name).append(": ");
        try {
            Optional<List<String>> v = ControlFile.readList(control.resolve(name));
            if (v.isEmpty()) {
                out.append("(Default.) ").append(def).append("\n");
                return 0;
            }
            out.append("\n");
            for (String line : v.get()) out.append(pre).append(printable(line)).append(post).append("\n");
            return 1;
        } catch (ControlException e) {
            out.append("Oops! Trouble reading this file.\n");
            return -1;
        }
    }

    /** Control bytes and non-ASCII shown as '?', so a file cannot write escape sequences to the terminal. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 32 || c > 126 ? '?' : c);
        }
        return b.toString();
    }
}
