package org.qmailj.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.qmailj.common.sys.Fifo;

/**
 * A /var/qmail as netqmail 1.06's `make setup check` leaves it (hier.c: owners and modes), with
 * stand-in programs in bin/ (shell scripts: netqmail cannot be built here) and messages in its
 * queue written as qmail-queue and qmail-send write them (FORMATS.md): mess/S/N named by its
 * inode, intd/N hard-linked to todo/N, info/local/remote records with done recipients marked D,
 * bounce/N paragraphs.
 */
final class NetqmailTree {
    static final int SPLIT = 23;
    /** netqmail's programs; datemail and predate are ones this suite does not have (no man page). */
    static final String[] PROGRAMS = {"qmail-send", "qmail-start", "qmail-lspawn", "qmail-rspawn", "qmail-clean",
        "qmail-queue", "qmail-local", "qmail-remote", "qmail-smtpd", "qmail-inject", "sendmail", "qmail-newu",
        "qmail-popup", "qmail-pop3d", "qmail-qread", "datemail", "predate"};

    final Path home;
    private final Ids ids;
    private long pidSeq;

    /** The numeric ids of netqmail's users and groups (INSTALL.ids). */
    record Ids(int alias, int qmaild, int qmaill, int qmailq, int qmailr, int qmails, int qmail, int nofiles) {}

    NetqmailTree(Path home, Ids ids) {
        this.home = home;
        this.ids = ids;
    }

    /** hier.c's directories and files, then the stand-in binaries and man pages. */
    void layOut() throws IOException {
        d("", 0, ids.qmail(), 0755);
        for (String s : new String[] {"bin", "boot", "doc", "man", "man/man8", "man/cat8", "control", "users"}) d(s, 0, ids.qmail(), 0755);
        d("alias", ids.alias(), ids.qmail(), 02755);
        d("queue", ids.qmailq(), ids.qmail(), 0750);
        d("queue/pid", ids.qmailq(), ids.qmail(), 0700);
        d("queue/intd", ids.qmailq(), ids.qmail(), 0700);
        d("queue/todo", ids.qmailq(), ids.qmail(), 0750);
        d("queue/bounce", ids.qmails(), ids.qmail(), 0700);
        split("queue/mess", ids.qmailq(), 0750);
        split("queue/info", ids.qmails(), 0700);
        split("queue/local", ids.qmails(), 0700);
        split("queue/remote", ids.qmails(), 0700);
        d("queue/lock", ids.qmailq(), ids.qmail(), 0750);
        f("queue/lock/tcpto", new byte[1024], ids.qmailr(), ids.qmail(), 0644);
        f("queue/lock/sendmutex", new byte[0], ids.qmails(), ids.qmail(), 0600);
        Path trigger = home.resolve("queue/lock/trigger");
        Fifo.make(trigger, 0622);
        own(trigger, ids.qmails(), ids.qmail(), 0622);
        for (String p : PROGRAMS) {
            // setuid qmailq like netqmail's qmail-queue, so the byte-for-byte check covers modes too
            int mode = p.equals("qmail-queue") ? 04711 : 0755;
            int uid = p.equals("qmail-queue") ? ids.qmailq() : 0;
            f("bin/" + p, ("#!/bin/sh\n# netqmail 1.06 " + p + " (a stand-in)\necho '" + p + ": netqmail' >&2\nexit 111\n")
                    .getBytes(StandardCharsets.US_ASCII), uid, ids.qmail(), mode);
        }
        f("man/man8/qmail-send.8", ".TH qmail-send 8\n.SH NAME\nqmail-send \\- deliver mail messages (netqmail)\n".getBytes(StandardCharsets.US_ASCII), 0, ids.qmail(), 0644);
        f("man/cat8/qmail-send.0", "qmail-send(8)   netqmail's formatted page\n".getBytes(StandardCharsets.US_ASCII), 0, ids.qmail(), 0644);
        f("doc/INSTALL", "netqmail 1.06\n".getBytes(StandardCharsets.US_ASCII), 0, ids.qmail(), 0644);
    }

    private void split(String dir, int uid, int mode) throws IOException {
        d(dir, uid, ids.qmail(), mode);
        for (int i = 0; i < SPLIT; i++) d(dir + "/" + i, uid, ids.qmail(), mode);
    }

    void d(String rel, int uid, int gid, int mode) throws IOException {
        Path p = rel.isEmpty() ? home : home.resolve(rel);
        Files.createDirectories(p);
        own(p, uid, gid, mode);
    }

    void f(String rel, byte[] content, int uid, int gid, int mode) throws IOException {
        Path p = home.resolve(rel);
        Files.write(p, content);
        own(p, uid, gid, mode);
    }

    void text(String rel, String content, int mode) throws IOException {
        f(rel, content.getBytes(StandardCharsets.ISO_8859_1), 0, ids.qmail(), mode);
    }

    /** root:qmail, as netqmail's install leaves control/ and users/ files. */
    void ownRoot(String rel, int mode) throws IOException {
        own(home.resolve(rel), 0, ids.qmail(), mode);
    }

    static void own(Path p, int uid, int gid, int mode) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:mode", mode);
    }

    /**
     * qmail-queue's first steps: pid/NAME made exclusively, its inode N is the message number,
     * linked to mess/(N mod 23)/N, the pid/ name removed; mode 0644 minus umask 033.
     */
    long message(String body) throws IOException {
        Path tmp = home.resolve("queue/pid/" + ProcessHandle.current().pid() + ".1." + (++pidSeq));
        Files.writeString(tmp, body, StandardCharsets.ISO_8859_1, java.nio.file.StandardOpenOption.CREATE_NEW);
        own(tmp, ids.qmailq(), ids.qmail(), 0644);
        long n = (Long) Files.getAttribute(tmp, "unix:ino");
        Files.createLink(home.resolve("queue/mess/" + n % SPLIT + "/" + n), tmp);
        Files.delete(tmp);
        return n;
    }

    /** A committed message qmail-send has not looked at yet: intd/N with todo/N its hard link. */
    void todo(long n, String sender, String... recipients) throws IOException {
        StringBuilder s = new StringBuilder("u0\0p4242\0F" + sender + "\0");
        for (String r : recipients) s.append('T').append(r).append('\0');
        Path intd = home.resolve("queue/intd/" + n);
        Files.writeString(intd, s, StandardCharsets.ISO_8859_1);
        own(intd, ids.qmailq(), ids.qmail(), 0644);
        Files.createLink(home.resolve("queue/todo/" + n), intd);
    }

    /** A message qmail-send has preprocessed: info/ (the sender) and local/ or remote/ records. */
    void info(long n, String sender) throws IOException {
        split("info", n, "F" + sender + "\0");
    }

    /** Recipients as "T" + address (to do) or "D" + address (done). */
    void local(long n, String... records) throws IOException {
        split("local", n, String.join("\0", records) + "\0");
    }

    void remote(long n, String... records) throws IOException {
        split("remote", n, String.join("\0", records) + "\0");
    }

    /** bounce/N: one paragraph per permanently failed recipient, as qmail-send appends them. */
    void bounce(long n, String recipient, String report) throws IOException {
        Path p = home.resolve("queue/bounce/" + n);
        Files.writeString(p, "<" + recipient + ">:\n" + report + "\n", StandardCharsets.ISO_8859_1);
        own(p, ids.qmails(), ids.qmail(), 0600);
    }

    private void split(String dir, long n, String content) throws IOException {
        Path p = home.resolve("queue/" + dir + "/" + n % SPLIT + "/" + n);
        Files.writeString(p, content, StandardCharsets.ISO_8859_1);
        own(p, ids.qmails(), ids.qmail(), 0600);
    }

    /** Every path below root, with type, mode, owner and content (or link target). */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return m;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
                String v = Integer.toOctalString((Integer) a.get("mode")) + " " + a.get("uid") + ":" + a.get("gid");
                if (Files.isSymbolicLink(p)) v += " -> " + Files.readSymbolicLink(p);
                else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) v += " " + java.util.HexFormat.of().formatHex(Files.readAllBytes(p));
                m.put(root.relativize(p).toString(), v);
            }
        }
        return m;
    }
}
