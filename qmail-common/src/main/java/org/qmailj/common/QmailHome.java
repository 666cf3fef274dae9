package org.qmailj.common;

import java.nio.file.Path;
import org.qmailj.common.control.ControlDir;

/**
 * Where the suite is installed. The launchers pass {@code -Dqmail.home=DIR}, DIR being the
 * parent of the launcher's own bin/ directory, so a copied tree works wherever it is; the
 * QMAIL_HOME environment variable is the fallback for code started another way (tests).
 */
public record QmailHome(Path root) {

    public static final String PROPERTY = "qmail.home";

    public static QmailHome current() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isEmpty()) p = System.getenv("QMAIL_HOME");
        if (p == null || p.isEmpty()) p = "/var/qmail";
        return new QmailHome(Path.of(p));
    }

    public Path bin() { return root.resolve("bin"); }
    public Path queue() { return root.resolve("queue"); }
    public Path users() { return root.resolve("users"); }
    public Path alias() { return root.resolve("alias"); }
    public ControlDir control() { return new ControlDir(root.resolve("control")); }
}
