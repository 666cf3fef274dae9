package org.qmailj.install;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.qmailj.common.QmailIds;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.sys.Fifo;

/** Lays out one QMAIL_HOME. Every step is safe to repeat. */
final class Installer {
    private final Path from;
    private final Path to;
    private final Ownership owners;
    private final String me;
    private final PrintStream err;

    Installer(Path from, Path to, Ownership owners, String me, PrintStream err) {
        this.from = from;
        this.to = to;
        this.owners = owners;
        this.me = me;
        this.err = err;
    }

    void install(boolean aot) throws IOException {
        boolean same = from.equals(to);
        if (!same) {
            copyTree("bin");
            copyTree("lib");
            copyTree("man");
        }
        relinkJdk();
        writeIds();
        controlDefaults();
        dir(to.resolve("users"), "root", "qmail", 0755);
        dir(to.resolve("alias"), "alias", "qmail", 02755);
        // Mail for postmaster, root and (in a sandbox) every local address lands here.
        for (String sub : new String[] {"Maildir", "Maildir/tmp", "Maildir/new", "Maildir/cur"}) {
            Path d = to.resolve("alias").resolve(sub);
            if (!Files.isDirectory(d)) dir(d, "alias", "alias", 0700);
        }
        queue();
        if (aot) AotCache.build(to, err);
    }

    /** The launchers find the JDK through lib/jdk; point it at the JDK running us. */
    private void relinkJdk() throws IOException {
        Path link = to.resolve("lib").resolve("jdk");
        Path jdk = Path.of(System.getProperty("java.home"));
        if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(jdk)) return;
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, jdk);
    }

    private void copyTree(String name) throws IOException {
        Path src = from.resolve(name);
        if (!Files.isDirectory(src)) return;
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (p.getFileName().toString().equals("jdk") && Files.isSymbolicLink(p)) continue;
                if (p.getFileName().toString().endsWith(".aot")) continue;
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else {
                    Path tmp = target.resolveSibling(target.getFileName() + ".new");
                    Files.copy(p, tmp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        }
    }

    private void writeIds() throws IOException {
        Path f = QmailIds.file(new org.qmailj.common.QmailHome(to));
        Files.createDirectories(f.getParent());
        writeAtomically(f, owners.ids().format());
    }

    /** config-fast's files, each only if it does not exist yet. */
    private void controlDefaults() throws IOException {
        Path control = to.resolve("control");
        dir(control, "root", "qmail", 0755);
        String domain = me.contains(".") ? me.substring(me.indexOf('.') + 1) : me;
        createIfMissing(control.resolve("me"), me + "\n");
        createIfMissing(control.resolve("locals"), "localhost\n" + me + "\n");
        createIfMissing(control.resolve("rcpthosts"), me + "\n");
        createIfMissing(control.resolve("defaultdomain"), domain + "\n");
        createIfMissing(control.resolve("plusdomain"), domain + "\n");
    }

    private void queue() throws IOException {
        QueueLayout q = new QueueLayout(to.resolve("queue"));
        for (QueueLayout.Dir d : QueueLayout.DIRS) {
            String user = d.owner() == QueueLayout.Owner.QMAILQ ? "qmailq" : "qmails";
            Path p = q.dir(d.name());
            dir(p, user, "qmail", d.mode());
            if (d.split()) {
                for (int i = 0; i < QueueLayout.SPLIT; i++) dir(p.resolve(Integer.toString(i)), user, "qmail", d.mode());
            }
        }
        Path tcpto = q.tcpto();
        // qmail's install: 1024 zero bytes (64 free records); tcpto ignores a shorter table.
        if (!Files.exists(tcpto)) Files.write(tcpto, new byte[1024]);
        own(tcpto, "qmailr", "qmail", 0644);
        Path mutex = q.sendmutex();
        if (!Files.exists(mutex)) Files.write(mutex, new byte[0]);
        own(mutex, "qmails", "qmail", 0600);
        Path trigger = q.trigger();
        if (!Files.exists(trigger, LinkOption.NOFOLLOW_LINKS)) Fifo.make(trigger, 0622);
        own(trigger, "qmails", "qmail", 0622);
    }

    private void dir(Path p, String user, String group, int mode) throws IOException {
        Files.createDirectories(p);
        own(p, user, group, mode);
    }

    /** group "alias" means the alias user's own group (nofiles), as INSTALL.ids gives it. */
    private void own(Path p, String user, String group, int mode) throws IOException {
        if (!owners.sandbox()) {
            Files.setAttribute(p, "unix:uid", owners.uid(user), LinkOption.NOFOLLOW_LINKS);
            int gid = group.equals("alias") ? owners.ids().userGid("alias") : owners.gid(group);
            Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        }
        // chmod(2) by path: with NOFOLLOW_LINKS the JDK opens the file to fchmod it, and opening
        // lock/trigger, a fifo without a writer, would block.
        Files.setAttribute(p, "unix:mode", mode);
    }

    private static void createIfMissing(Path f, String content) throws IOException {
        if (Files.exists(f)) return;
        try {
            Files.writeString(f, content, StandardCharsets.ISO_8859_1, java.nio.file.StandardOpenOption.CREATE_NEW);
            Files.setPosixFilePermissions(f, perms644());
        } catch (FileAlreadyExistsException e) {
            // made meanwhile by someone else: theirs stands
        }
    }

    private static void writeAtomically(Path f, String content) throws IOException {
        Path tmp = f.resolveSibling(f.getFileName() + ".new");
        Files.writeString(tmp, content, StandardCharsets.ISO_8859_1);
        Files.setPosixFilePermissions(tmp, perms644());
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Set<PosixFilePermission> perms644() {
        return EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
    }

}
