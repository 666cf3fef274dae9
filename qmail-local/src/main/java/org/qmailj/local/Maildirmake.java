package org.qmailj.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.qmailj.common.Exit;

/** maildirmake - create a maildir for incoming mail (maildirmake(1)): dir, dir/tmp, new, cur, mode 0700. */
public final class Maildirmake {
    private Maildirmake() {
    }

    public static void main(String[] args) {
        if (args.length != 1) HelperSupport.die(100, "maildirmake: usage: maildirmake name");
        Path dir = Path.of(args[0]);
        for (Path p : new Path[] {dir, dir.resolve("tmp"), dir.resolve("new"), dir.resolve("cur")}) {
            try {
                Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
            } catch (IOException e) {
                HelperSupport.die(111, "maildirmake: fatal: unable to mkdir " + p + ": " + LocalFailure.reason(e));
            }
        }
        Exit.now(0);
    }
}
