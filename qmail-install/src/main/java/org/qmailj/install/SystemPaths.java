package org.qmailj.install;

import java.nio.file.Path;

/**
 * The files outside QMAIL_HOME that the system-MTA install owns. {@code prefix} is "/" for a
 * real install; tests give a scratch directory (like DESTDIR) so they can check every file
 * without touching the machine.
 */
record SystemPaths(Path prefix) {
    static final SystemPaths REAL = new SystemPaths(Path.of("/"));

    Path of(String absolute) { return prefix.resolve(absolute.substring(1)); }

    Path sbinSendmail() { return of("/usr/sbin/sendmail"); }
    Path libSendmail() { return of("/usr/lib/sendmail"); }
    Path systemdUnit() { return of("/etc/systemd/system/qmail.service"); }
    Path logDir() { return of("/var/log/qmail"); }
    Path manDir() { return of("/usr/local/share/man"); }

    boolean real() { return prefix.equals(Path.of("/")); }
}
