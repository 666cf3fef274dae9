package org.qmailj.showctl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.qmailj.common.QmailHome;
import org.qmailj.common.QmailIds;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.control.ControlFile;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.WriterProtocol;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Fifo;
import org.qmailj.common.sys.Passwd;
import org.qmailj.common.sys.SysException;

/**
 * qmail-showctl's closing health check (not in netqmail): one line per check, "OK." or a
 * one-line "WARNING: ...", for the mistakes that stop mail silently: queue owners and modes
 * (FORMATS.md), the users of lib/ids, control/me in DNS, locals missing from rcpthosts (or no
 * rcpthosts at all, an open relay), and whether the queue writer and qmail-send answer.
 * It only looks: nothing is written, and the trigger is opened without a byte pulled.
 */
final class HealthCheck {
    /** The users INSTALL.ids.md creates; root needs no check. */
    static final List<String> USERS = List.of("alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails");

    private final QmailHome home;
    private final Path control;
    private final QueueLayout queue;
    private final StringBuilder out;

    HealthCheck(QmailHome home, Path control, StringBuilder out) {
        this.home = home;
        this.control = control;
        this.queue = new QueueLayout(home.queue());
        this.out = out;
    }

    void run() {
        out.append("\nhealth check:\n");
        Optional<QmailIds> ids = ids();
        line("queue owners and modes", queueProblems(ids));
        line("qmail users in lib/ids", userProblems(ids));
        line("control/me resolves", meProblem());
        line("locals and rcpthosts", relayProblems());
        line("queue writer answers on queue/lock/" + WriterProtocol.SOCKET_NAME, writerProblem());
        line("qmail-send reads queue/lock/trigger", sendProblem());
    }

    private void line(String what, List<String> problems) {
        out.append(what).append(": ");
        if (problems.isEmpty()) {
            out.append("OK.\n");
            return;
        }
        out.append("WARNING: ").append(problems.getFirst());
        if (problems.size() > 1) out.append(" (and ").append(problems.size() - 1).append(" more)");
        else if (problems.getFirst().endsWith("?")) {
            out.append("\n");
            return;
        }
        out.append(".\n");
    }

    private Optional<QmailIds> ids() {
        try {
            return Optional.of(QmailIds.read(home));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private List<String> queueProblems(Optional<QmailIds> ids) {
        List<String> p = new ArrayList<>();
        if (ids.isEmpty()) {
            p.add("cannot read lib/ids to know the owners");
            return p;
        }
        try {
            int qmail = ids.get().gid("qmail");
            for (QueueLayout.Dir d : QueueLayout.DIRS) {
                int uid = ids.get().uid(d.owner() == QueueLayout.Owner.QMAILQ ? "qmailq" : "qmails");
                Path dir = queue.dir(d.name());
                expect(p, dir, uid, qmail, d.mode());
                if (d.split() && Files.isDirectory(dir)) {
                    for (int i = 0; i < QueueLayout.SPLIT; i++) expect(p, dir.resolve(Integer.toString(i)), uid, qmail, d.mode());
                }
            }
            expect(p, queue.trigger(), ids.get().uid("qmails"), qmail, 0622);
            expect(p, queue.sendmutex(), ids.get().uid("qmails"), qmail, 0600);
            expect(p, queue.tcpto(), ids.get().uid("qmailr"), qmail, 0644);
        } catch (IOException e) {
            p.add(e.getMessage());
        }
        return p;
    }

    private void expect(List<String> p, Path f, int uid, int gid, int mode) {
        String name = home.root().relativize(f).toString();
        try {
            int u = (Integer) Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int g = (Integer) Files.getAttribute(f, "unix:gid", LinkOption.NOFOLLOW_LINKS);
            int m = (Integer) Files.getAttribute(f, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
            if (u != uid) p.add(name + " is owned by uid " + u + ", not " + uid);
            if (g != gid) p.add(name + " has gid " + g + ", not " + gid);
            if (m != mode) p.add(name + " has mode " + String.format("%04o", m) + ", not " + String.format("%04o", mode));
        } catch (NoSuchFileException e) {
            p.add(name + " is missing");
        } catch (IOException e) {
            p.add("cannot stat " + name + ": " + e.getMessage());
        }
    }

    private List<String> userProblems(Optional<QmailIds> ids) {
        List<String> p = new ArrayList<>();
        if (ids.isEmpty()) {
            p.add("cannot read lib/ids: run qmail-install");
            return p;
        }
        Set<Integer> primaryGids = new LinkedHashSet<>();
        for (String user : USERS) {
            try {
                int uid = ids.get().uid(user);
                Optional<Passwd.PasswdEntry> pw = Passwd.getpwuid(uid);
                if (pw.isEmpty()) p.add(user + "'s uid " + uid + " has no passwd entry");
                else primaryGids.add(pw.get().gid());
            } catch (IOException e) {
                p.add(e.getMessage());
            }
        }
        for (String group : QmailIds.GROUPS) {
            try {
                int gid = ids.get().gid(group);
                // A sandbox's "groups" are the invoking user's own group, which need not carry the name.
                boolean known = primaryGids.contains(gid) || Passwd.getgrnam(group).map(g -> g.gid() == gid).orElse(false);
                if (!known) p.add("group " + group + "'s gid " + gid + " is neither group " + group + " nor a qmail user's group");
            } catch (IOException e) {
                p.add(e.getMessage());
            }
        }
        return p;
    }

    private List<String> meProblem() {
        try {
            Optional<String> me = ControlFile.readLine(control.resolve("me"));
            if (me.isEmpty()) return List.of("control/me is missing");
            try {
                InetAddress.getAllByName(me.get());
                return List.of();
            } catch (UnknownHostException e) {
                return List.of(me.get() + " has no address in DNS or /etc/hosts");
            }
        } catch (ControlException e) {
            return List.of("cannot read control/me");
        }
    }

    private List<String> relayProblems() {
        try {
            Optional<List<String>> rcpthosts = ControlFile.readList(control.resolve("rcpthosts"));
            if (rcpthosts.isEmpty()) return List.of("no control/rcpthosts: qmail-smtpd relays for anyone (open relay)");
            Set<String> accepted = new LinkedHashSet<>();
            for (String h : rcpthosts.get()) accepted.add(h.toLowerCase(Locale.ROOT));
            ControlFile.readList(control.resolve("morercpthosts")).ifPresent(l -> l.forEach(h -> accepted.add(h.toLowerCase(Locale.ROOT))));
            Optional<List<String>> listed = ControlFile.readList(control.resolve("locals"));
            // Without locals, qmail-send takes control/me as the one local domain.
            List<String> locals = listed.isPresent() ? listed.get()
                    : ControlFile.readLine(control.resolve("me")).map(List::of).orElse(List.of());
            List<String> p = new ArrayList<>();
            for (String local : locals) {
                if (!accepted(accepted, local.toLowerCase(Locale.ROOT))) {
                    p.add(local + " is in locals but not in rcpthosts: SMTP clients cannot send mail to it");
                }
            }
            return p;
        } catch (ControlException e) {
            return List.of("cannot read rcpthosts, morercpthosts or locals");
        }
    }

    /** rcpthosts' rule: the host itself, or an entry .domain for any host ending in it. */
    private static boolean accepted(Set<String> rcpthosts, String host) {
        if (rcpthosts.contains(host)) return true;
        for (int i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) {
            if (rcpthosts.contains(host.substring(i))) return true;
        }
        return false;
    }

    private List<String> writerProblem() {
        Path socket = WriterProtocol.socket(queue);
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return List.of();
        } catch (IOException e) {
            return List.of("nothing answers (" + e.getMessage() + "): is qmail-queued running? injectors fall back to bin/qmail-queue");
        }
    }

    private List<String> sendProblem() {
        Path trigger = queue.trigger();
        try {
            int mode = (Integer) Files.getAttribute(trigger, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & 0170000) != 0010000) return List.of("queue/lock/trigger is not a named pipe");
            int fd = Fifo.openWrite(trigger);
            Fd.close(fd);
            return List.of();
        } catch (NoSuchFileException e) {
            return List.of("queue/lock/trigger is missing");
        } catch (SysException e) {
            if (e.errno() == Errno.ENXIO) return List.of("nobody reads queue/lock/trigger: is qmail-send running?");
            return List.of("cannot open queue/lock/trigger: " + e.getMessage());
        } catch (IOException e) {
            return List.of("cannot stat queue/lock/trigger: " + e.getMessage());
        }
    }
}
